// manifest-check reads Kubernetes manifests (a `helm template` output) on stdin and decodes each
// into its typed Kubernetes API object, rejecting unknown and misspelt fields: the schema check
// `helm lint` does not do. Kinds it does not know (the Prometheus Operator's) are listed as
// unchecked, never passed silently.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

func typed(apiVersion, kind string) any {
	switch apiVersion + "/" + kind {
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}
	case "v1/Service":
		return &corev1.Service{}
	case "v1/ServiceAccount":
		return &corev1.ServiceAccount{}
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}
	case "v1/Secret":
		return &corev1.Secret{}
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	}
	return nil
}

func main() {
	input, err := io.ReadAll(bufio.NewReader(os.Stdin))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	failed := false
	for _, doc := range strings.Split(string(input), "\n---") {
		if strings.TrimSpace(doc) == "" || isOnlyComments(doc) {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			fmt.Printf("FAIL  %v\n", err)
			failed = true
			continue
		}
		target := typed(head.APIVersion, head.Kind)
		name := fmt.Sprintf("%s/%s %s", head.APIVersion, head.Kind, head.Metadata.Name)
		if target == nil {
			fmt.Printf("unchecked  %s\n", name)
			continue
		}
		if err := yaml.UnmarshalStrict([]byte(doc), target); err != nil {
			fmt.Printf("FAIL  %s: %v\n", name, err)
			failed = true
			continue
		}
		fmt.Printf("ok  %s\n", name)
	}
	if failed {
		os.Exit(1)
	}
}

func isOnlyComments(doc string) bool {
	for _, line := range bytes.Split([]byte(doc), []byte("\n")) {
		trimmed := strings.TrimSpace(string(line))
		if trimmed != "" && !strings.HasPrefix(trimmed, "#") {
			return false
		}
	}
	return true
}
