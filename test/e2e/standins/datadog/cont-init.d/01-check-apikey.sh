#!/bin/bash
if [[ -z "${DD_API_KEY:-}" ]]; then
  echo "You must set an DD_API_KEY environment variable or mount a secret to run the Agent container."
  exit 1
fi
