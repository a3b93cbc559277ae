"""The service as a cluster on one machine: every role replicated, behind HAProxy.

`make cluster` (`python -m cluster`) runs it as a person would; the tests run the same cluster
to pass the acceptance through the balancer and to inject faults at that scale.
"""
