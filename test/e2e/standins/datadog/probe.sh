#!/bin/bash
exec /opt/datadog-agent/bin/agent/agent health
