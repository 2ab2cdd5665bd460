#!/usr/bin/env bash
# Runs every test of edgegate. The README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."

# The end-to-end tests drive the aws CLI; install it if this machine lacks it.
if ! command -v aws >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq awscli
fi

go vet ./...
go test -count=1 -timeout 20m ./... "$@"
