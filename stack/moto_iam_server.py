"""moto's server with IAM enforcement, for the test that runs the shipped IAM policies.

Start it with INITIAL_NO_AUTH_ACTION_COUNT=<n>: the first n requests are not authenticated (the
test creates its administrator with them), every later one is signed-checked and authorised
against the caller's IAM policies.

moto's policy engine departs from AWS in ways that matter to these policies; each repair below
makes it decide as AWS documents, so a policy that passes here is not passing by moto's leniency:

- S3 authorises HeadBucket as s3:ListBucket, and SQS authorises the batch actions as their single
  action (DeleteMessageBatch as sqs:DeleteMessage, ...); moto checks actions of those names,
  which no policy grants.
- A condition operator moto does not know (StringLike among them) is skipped by moto, so a
  statement with `"StringLike": {"s3:prefix": …}` always applied; S3 requests carried no
  s3:prefix at all. Here StringLike and StringEquals are evaluated, ListBucket requests carry
  s3:prefix from their `prefix` parameter, and a condition key absent from the request does not
  match (unless the operator ends in IfExists) — the reason HeadBucket is refused under a
  prefix-conditioned ListBucket.
- A statement whose condition does not match does not apply (moto turned it into a Deny).
- GetQueueUrl is authorised on the named queue (moto used "*", which no queue ARN matches).
"""

import fnmatch
import sys
from typing import Any
from urllib.parse import parse_qs, urlparse

import moto_server  # noqa: F401  (its SQS receive repair)
from moto.iam import access_control
from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, IAMRequestBase, PermissionResult
from moto.server import main
from moto.sqs.responses import SQSResponse

ACTION_AS_AUTHORISED = {
    "s3:HeadBucket": "s3:ListBucket",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "sqs:SendMessageBatch": "sqs:SendMessage",
}

OPERATORS = {
    "StringEquals": lambda expected, actual: actual == expected,
    "StringLike": lambda expected, actual: fnmatch.fnmatchcase(actual, expected),
}

_original_init = IAMRequestBase.__init__


def _init(self: IAMRequestBase, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self._action = ACTION_AS_AUTHORISED.get(self._action, self._action)


def _condition_values(self: IAMRequestBase) -> dict[str, str]:
    values: dict[str, str] = {}
    if self._action == "s3:ListBucket":
        query = parse_qs(urlparse(self._path).query, keep_blank_values=True)
        if "prefix" in query:
            values["s3:prefix"] = query["prefix"][0]
    return values


def _check_action_permitted(self: IAMRequestBase, resource: str) -> None:
    if self._action == "sts:GetCallerIdentity":
        return
    values = _condition_values(self)
    permitted = False
    for policy in self._access_key.collect_policies():
        result = IAMPolicy(policy).is_action_permitted(self._action, resource, None, values)
        if result == PermissionResult.DENIED:
            self._raise_access_denied()
        permitted = permitted or result == PermissionResult.PERMITTED
    if not permitted:
        self._raise_access_denied()


def _conditions_match(self: IAMPolicyStatement, values: dict[str, str] | None) -> bool:
    for operator, keyed in (self._statement.get("Condition") or {}).items():
        if_exists = operator.endswith("IfExists")
        test = OPERATORS.get(operator[: -len("IfExists")] if if_exists else operator)
        if test is None:
            continue  # not modelled: unchecked, as moto does
        for key, expected in keyed.items():
            choices = expected if isinstance(expected, list) else [expected]
            if values is None or key not in values:
                if if_exists:
                    continue
                return False
            if not any(test(choice, values[key]) for choice in choices):
                return False
    return True


def _is_action_permitted(
    self: IAMPolicyStatement,
    action: str,
    resource: str = "*",
    principal: str | None = None,
    incoming_condition_values: dict[str, str] | None = None,
) -> PermissionResult:
    key = "NotAction" if "NotAction" in self._statement else "Action"
    concerned = self._check_element_matches(key, action) != (key == "NotAction")
    if not concerned or not _conditions_match(self, incoming_condition_values):
        return PermissionResult.NEUTRAL
    if self._statement.get("Resource") and not self._check_element_matches("Resource", resource):
        return PermissionResult.NEUTRAL
    return PermissionResult.PERMITTED if self._statement["Effect"] == "Allow" else PermissionResult.DENIED


_original_determine_resource = SQSResponse._determine_resource


def _determine_resource(self: SQSResponse) -> str:
    if self._get_action() == "GetQueueUrl":
        name = self._get_param("QueueName")
        try:
            return self.sqs_backend.get_queue(name).queue_arn
        except Exception:  # an unknown queue: GetQueueUrl answers it does not exist
            return "*"
    return _original_determine_resource(self)


IAMRequestBase.__init__ = _init  # type: ignore[method-assign]
IAMRequestBase.check_action_permitted = _check_action_permitted  # type: ignore[method-assign]
IAMPolicyStatement.is_action_permitted = _is_action_permitted  # type: ignore[method-assign]
SQSResponse._determine_resource = _determine_resource  # type: ignore[method-assign]
assert access_control.IAMRequestBase is IAMRequestBase

if __name__ == "__main__":
    main(sys.argv[1:])
