package check

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	sigsyaml "sigs.k8s.io/yaml"
)

// TestKubernetesManifests decodes every manifest strictly into its API
// type (a misspelt or misplaced field fails), checks that kustomization.yaml
// lists them all, and holds the Deployments to what docs/deploy.md promises.
func TestKubernetesManifests(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "deploy", "kubernetes")
	var kust struct {
		Resources []string `yaml:"resources"`
	}
	readYAML(t, filepath.Join(dir, "kustomization.yaml"), &kust)
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		base := filepath.Base(f)
		if base != "kustomization.yaml" && base != "nats-values.yaml" && !slices.Contains(kust.Resources, base) {
			t.Errorf("kustomization.yaml does not list %s", base)
		}
	}

	var deployments []appsv1.Deployment
	var configMap *corev1.ConfigMap
	pdbs := map[string]bool{}
	for _, name := range kust.Resources {
		for i, doc := range yamlDocuments(t, filepath.Join(dir, name)) {
			var meta struct {
				Kind string `json:"kind"`
			}
			if err := sigsyaml.Unmarshal(doc, &meta); err != nil {
				t.Fatalf("%s #%d: %v", name, i, err)
			}
			var obj any
			switch meta.Kind {
			case "Deployment":
				deployments = append(deployments, appsv1.Deployment{})
				obj = &deployments[len(deployments)-1]
			case "ConfigMap":
				configMap = &corev1.ConfigMap{}
				obj = configMap
			case "Service":
				obj = &corev1.Service{}
			case "PodDisruptionBudget":
				obj = &policyv1.PodDisruptionBudget{}
			default:
				t.Fatalf("%s #%d: unexpected kind %q", name, i, meta.Kind)
			}
			if err := sigsyaml.UnmarshalStrict(doc, obj); err != nil {
				t.Errorf("%s #%d (%s): %v", name, i, meta.Kind, err)
			}
			if pdb, ok := obj.(*policyv1.PodDisruptionBudget); ok && pdb.Spec.Selector != nil {
				pdbs[pdb.Spec.Selector.MatchLabels["app.kubernetes.io/component"]] = true
			}
		}
	}

	roles := map[string]string{}
	for _, d := range deployments {
		checkDeployment(t, d)
		roles[d.Spec.Template.Labels["app.kubernetes.io/component"]] = strings.Join(d.Spec.Template.Spec.Containers[0].Args, " ")
	}
	want := map[string]string{
		"poll":    "run --config /etc/newswire/newswire.yaml --only poll",
		"stories": "run --config /etc/newswire/newswire.yaml --only dedupe,tag",
	}
	for role, args := range want {
		if roles[role] != args {
			t.Errorf("Deployment of %s runs %q, want %q", role, roles[role], args)
		}
	}
	if len(roles) != len(want) {
		t.Errorf("Deployments for %v, want poll and stories", roles)
	}
	t.Run("pdb", func(t *testing.T) {
		for role := range want {
			if !pdbs[role] {
				t.Errorf("no PodDisruptionBudget for %s", role)
			}
		}
	})

	if configMap == nil {
		t.Fatal("no ConfigMap")
	}
	cfg := filepath.Join(t.TempDir(), "newswire.yaml")
	if err := os.WriteFile(cfg, []byte(configMap.Data["newswire.yaml"]), 0o644); err != nil {
		t.Fatal(err)
	}
	newswireCheck(t, cfg)
	for _, line := range []string{"url: nats://nats:4222", "replicas: 3", "listen: 0.0.0.0:8080"} {
		if !strings.Contains(configMap.Data["newswire.yaml"], line) {
			t.Errorf("the ConfigMap's newswire.yaml lacks %q", line)
		}
	}
}

func checkDeployment(t *testing.T, d appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", d.Name, len(pod.Containers))
	}
	c := pod.Containers[0]
	psc, sc := pod.SecurityContext, c.SecurityContext
	switch {
	case psc == nil || sc == nil:
		t.Errorf("%s: no security context", d.Name)
	case psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot:
		t.Errorf("%s: runAsNonRoot is not set", d.Name)
	case psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Errorf("%s: seccomp profile is not RuntimeDefault", d.Name)
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Errorf("%s: root file system is writable", d.Name)
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Errorf("%s: privilege escalation is allowed", d.Name)
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}):
		t.Errorf("%s: capabilities are not all dropped", d.Name)
	}
	for probe, want := range map[*corev1.Probe]string{c.LivenessProbe: "/healthz", c.ReadinessProbe: "/readyz", c.StartupProbe: "/healthz"} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != want {
			t.Errorf("%s: a probe is missing or does not GET %s", d.Name, want)
		}
	}
	limit, ok := c.Resources.Limits[corev1.ResourceMemory]
	if !ok || c.Resources.Requests.Memory().IsZero() || c.Resources.Requests.Cpu().IsZero() {
		t.Fatalf("%s: no memory limit, or no memory and CPU requests", d.Name)
	}
	var gomemlimit string
	for _, e := range c.Env {
		if e.Name == "GOMEMLIMIT" {
			gomemlimit = e.Value
		}
	}
	got, err := goMemLimit(gomemlimit)
	if err != nil {
		t.Fatalf("%s: GOMEMLIMIT %q: %v", d.Name, gomemlimit, err)
	}
	if ratio := float64(got) / float64(limit.Value()); ratio < 0.75 || ratio > 0.85 {
		t.Errorf("%s: GOMEMLIMIT %s is %.0f%% of the memory limit %s, want about 80%%", d.Name, gomemlimit, 100*ratio, limit.String())
	}
}

// goMemLimit reads GOMEMLIMIT as the Go runtime does (B, KiB, MiB, GiB, TiB).
func goMemLimit(s string) (int64, error) {
	m := regexp.MustCompile(`^(\d+)(B|KiB|MiB|GiB|TiB)?$`).FindStringSubmatch(s)
	if m == nil {
		return 0, errors.New("not a size the Go runtime reads")
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	shift := map[string]uint{"": 0, "B": 0, "KiB": 10, "MiB": 20, "GiB": 30, "TiB": 40}[m[2]]
	return n << shift, err
}

func yamlDocuments(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs [][]byte
	dec := yaml.NewDecoder(f)
	for {
		var n yaml.Node
		if err := dec.Decode(&n); errors.Is(err, io.EOF) {
			return docs
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var b bytes.Buffer
		if err := yaml.NewEncoder(&b).Encode(&n); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b.Bytes())
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestContainerConfig runs `newswire check` on the image's config laid out
// as deploy/Containerfile copies it.
func TestContainerConfig(t *testing.T) {
	root, dir := repoRoot(t), t.TempDir()
	for src, dst := range map[string]string{
		"deploy/container/newswire.yaml": "newswire.yaml",
		"configs/feeds.example.opml":     "feeds.example.opml",
	} {
		data, err := os.ReadFile(filepath.Join(root, src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	newswireCheck(t, filepath.Join(dir, "newswire.yaml"))
	containerfile, err := os.ReadFile(filepath.Join(root, "deploy", "Containerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"COPY deploy/container/newswire.yaml configs/feeds.example.opml /etc/newswire/",
		"USER 65532:65532",
		"VOLUME /var/lib/newswire",
		"EXPOSE 8080 4222",
	} {
		if !bytes.Contains(containerfile, []byte(line+"\n")) {
			t.Errorf("deploy/Containerfile lacks the line %q", line)
		}
	}
}

// TestSystemdHardening keeps deploy/newswire.service's exposure score at
// or below 2.0 where systemd-analyze is installed.
func TestSystemdHardening(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	unit := filepath.Join(repoRoot(t), "deploy", "newswire.service")
	out, err := exec.Command("systemd-analyze", "security", "--offline=true", "--no-pager", unit).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for newswire\.service: (\d+\.\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	if score, _ := strconv.ParseFloat(string(m[1]), 64); score > 2.0 {
		t.Errorf("newswire.service exposure %.1f, want ≤ 2.0:\n%s", score, out)
	}
}
