package demo_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/demo"
	"github.com/edgegate/edgegate/internal/testenv"
)

// TestSeed seeds a live server twice: the first run creates everything
// and the probes answer 200, 200, 403; the second creates nothing and
// answers the same.
func TestSeed(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	cfg := demo.Config{Endpoint: env.Endpoint, AccessKey: "test", SecretKey: "test"}
	for round := 0; round < 2; round++ {
		res, err := demo.Seed(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if created := len(res.Created); (round == 0) != (created == 9) || (round == 1 && created != 0) {
			t.Errorf("round %d created %q", round, res.Created)
		}
		var got []int
		for _, p := range res.Probes {
			got = append(got, p.Status)
			if p.CfID == "" {
				t.Errorf("%s: no X-Amz-Cf-Id", p.URL)
			}
		}
		if len(got) != 3 || got[0] != 200 || got[1] != 200 || got[2] != 403 {
			t.Errorf("round %d: statuses %v", round, got)
		}
		var b bytes.Buffer
		res.Print(&b, "edgegate")
		want := "edgegate explain --endpoint " + env.Endpoint + " -- " + res.Probes[2].CfID
		wantURL := "edgegate explain --endpoint " + env.Endpoint + " --url " + res.BaseURL + demo.BrokenPath
		if !strings.Contains(b.String(), want) || !strings.Contains(b.String(), wantURL) ||
			!strings.Contains(b.String(), "403  curl -i "+res.BaseURL+demo.BrokenPath) {
			t.Errorf("banner:\n%s", b.String())
		}
	}
	if _, err := demo.Seed(context.Background(), demo.Config{Endpoint: env.Endpoint, AccessKey: "nobody", SecretKey: "x"}); err == nil {
		t.Error("seeding with an unknown key succeeded")
	}
	if _, err := demo.Seed(context.Background(), demo.Config{Endpoint: "::"}); err == nil || !strings.Contains(err.Error(), "bad endpoint") {
		t.Errorf("bad endpoint: %v", err)
	}
}
