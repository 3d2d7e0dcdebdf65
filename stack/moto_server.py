"""moto's S3 and SQS server, with one repair for the local stack.

moto checks each message it hands out against the queue's retention period by computing every
queue attribute, ApproximateNumberOfMessages included, which walks the whole queue: a receive
costs O(messages in the queue) per message returned. With 200 messages waiting, a receive of 10
took 120-275 ms and draining them 3.8 s, where SQS answers in tens of milliseconds; a backlog
benchmark then measured moto. The check below reads the retention period directly and decides
the same way.
"""

import sys

from moto.core.utils import unix_time
from moto.server import main
from moto.sqs.models import Message, SQSBackend


def _within_retention_period(self: SQSBackend, queue_name: str, message: Message) -> bool:
    retention_seconds = int(self.get_queue(queue_name).message_retention_period)
    return retention_seconds + message.sent_timestamp / 1000 > unix_time()  # type: ignore[operator]


SQSBackend.is_message_valid_based_on_retention_period = _within_retention_period  # type: ignore[method-assign]

if __name__ == "__main__":
    main(sys.argv[1:])
