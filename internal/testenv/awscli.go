package testenv

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CLI runs the aws CLI against an Env with private config and credentials
// files (default profile: the default account's root, test/test), so that
// ~/.aws is never read or written.
type CLI struct {
	t    testing.TB
	env  *Env
	path string
	dir  string
	base []string
}

// AWSCLI returns a CLI runner. Without the aws CLI the test is skipped,
// except under CI=true, where it fails: CI must run these tests.
// profiles names extra config profiles (region us-east-1, JSON output)
// whose credentials the caller passes in the environment.
func (e *Env) AWSCLI(t testing.TB, profiles ...string) *CLI {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the aws CLI is required in CI (scripts/test.sh installs it)")
		}
		t.Skip("aws CLI not installed")
	}
	dir := t.TempDir()
	config := "[default]\nregion = us-east-1\noutput = json\ns3 =\n    signature_version = s3v4\n"
	for _, p := range profiles {
		config += "\n[profile " + p + "]\nregion = us-east-1\noutput = json\n"
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("config", config)
	write("credentials", "[default]\naws_access_key_id = test\naws_secret_access_key = test\n")
	return &CLI{t: t, env: e, path: path, dir: dir, base: []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
	}}
}

// Dir is a scratch directory of the CLI's own (it is also its HOME).
func (c *CLI) Dir() string { return c.dir }

// Try runs `aws --endpoint-url ENDPOINT args...` with extraEnv added, and
// returns stdout, stderr and the error.
func (c *CLI) Try(extraEnv []string, args ...string) ([]byte, string, error) {
	cmd := exec.Command(c.path, append([]string{"--endpoint-url", c.env.Endpoint}, args...)...)
	cmd.Env = append(append([]string{}, c.base...), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.Bytes(), stderr.String(), err
}

// Run is Try that fails the test on a non-zero exit.
func (c *CLI) Run(extraEnv []string, args ...string) []byte {
	c.t.Helper()
	out, errOut, err := c.Try(extraEnv, args...)
	if err != nil {
		c.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// JSON is Run decoding the output as a JSON object (empty output: empty).
func (c *CLI) JSON(extraEnv []string, args ...string) map[string]any {
	c.t.Helper()
	out := map[string]any{}
	if s := strings.TrimSpace(string(c.Run(extraEnv, args...))); s != "" {
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			c.t.Fatalf("aws %s: output %q: %v", strings.Join(args, " "), s, err)
		}
	}
	return out
}
