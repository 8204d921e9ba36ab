"""Settings for the whole suite."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# Hypothesis, for every property test unless it says otherwise: no deadline per example and no
# "too slow" health check. Both measure speed, which a loaded machine changes and a test must not
# depend on (timing lives in bench/); the properties themselves are what the tests check.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")
