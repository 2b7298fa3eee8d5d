#!/bin/bash
if [[ ! -e /etc/datadog-agent/datadog.yaml ]]; then
  touch /etc/datadog-agent/datadog.yaml
fi
