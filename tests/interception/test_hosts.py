"""Which hosts the interception answers, and where each request lands in the fake."""

from __future__ import annotations

import pytest

from qiskit_runtime_double.interception.hosts import Family, fake_url, family_of


@pytest.mark.parametrize(
    ("url", "family"),
    [
        ("https://iam.cloud.ibm.com/identity/token", Family.IAM),
        ("https://iam.test.cloud.ibm.com/identity/token", Family.IAM),
        ("https://private.iam.cloud.ibm.com/identity/token", Family.IAM),
        ("https://api.global-search-tagging.cloud.ibm.com/v3/resources/search", Family.SEARCH),
        ("https://globalcatalog.cloud.ibm.com/api/v1/abc", Family.CATALOG),
        (
            "https://resource-controller.cloud.ibm.com/v2/resource_instances",
            Family.RESOURCE_CONTROLLER,
        ),
        ("https://quantum.cloud.ibm.com/api/v1/jobs", Family.RUNTIME),
        ("https://eu-de.quantum.cloud.ibm.com/api/v1/jobs", Family.RUNTIME),
        ("https://private.us-east.quantum.cloud.ibm.com/api/v1/jobs", Family.RUNTIME),
        ("https://us-east.quantum-computing.cloud.ibm.com/jobs", Family.RUNTIME_ROOT),
        ("https://private.eu-de.quantum-computing.cloud.ibm.com/jobs", Family.RUNTIME_ROOT),
        ("https://auth.quantum-computing.ibm.com/api/users/me", Family.QUANTUM_AUTH),
        ("https://auth.quantum.ibm.com/api/version", Family.QUANTUM_AUTH),
        ("HTTPS://IAM.CLOUD.IBM.COM/identity/token", Family.IAM),
        ("https://cloud.ibm.com/docs", Family.UNSERVED),
        ("https://s3.us.cloud-object-storage.appdomain.cloud.ibm.com/x", Family.UNSERVED),
        ("https://api.quantum-computing.ibm.com/api/Network", Family.UNSERVED),
    ],
)
def test_ibm_hosts_have_a_family(url: str, family: Family) -> None:
    assert family_of(url) is family


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/api/v1/jobs",
        "https://example.com/identity/token",
        "https://notibm.com/",
        "https://cloud.ibm.com.example.org/",
        "https://pypi.org/simple/qiskit/",
    ],
)
def test_other_hosts_are_not_ibms(url: str) -> None:
    assert family_of(url) is None


@pytest.mark.parametrize(
    ("url", "family", "moved"),
    [
        (
            "https://globalcatalog.cloud.ibm.com/api/v1/plan-id?include=x",
            Family.CATALOG,
            "https://globalcatalog.cloud.ibm.com/catalog/plan-id?include=x",
        ),
        (
            "https://us-east.quantum-computing.cloud.ibm.com/jobs?limit=5",
            Family.RUNTIME_ROOT,
            "https://us-east.quantum-computing.cloud.ibm.com/api/v1/jobs?limit=5",
        ),
        (
            "https://quantum.cloud.ibm.com/api/v1/jobs/abc",
            Family.RUNTIME,
            "https://quantum.cloud.ibm.com/api/v1/jobs/abc",
        ),
        (
            "https://iam.cloud.ibm.com/identity/token",
            Family.IAM,
            "https://iam.cloud.ibm.com/identity/token",
        ),
    ],
)
def test_requests_move_to_the_fakes_paths(url: str, family: Family, moved: str) -> None:
    assert fake_url(url, family) == moved
