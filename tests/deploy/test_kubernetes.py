"""installers/kubernetes: kustomize render + Kubernetes OpenAPI schemas + wiring checks.

Rendering uses `kubectl kustomize` when kubectl is installed (it is on this
machine image); otherwise the resources are loaded one by one with the
kustomization's namespace and images applied, which is what this base uses.
Schemas come from kubernetes-validate (dev extra), strict: unknown fields fail.
"""

from __future__ import annotations

import copy
import shutil
import subprocess

import kubernetes_validate
import pytest
import yaml

from tests.deploy.conftest import (
    DESIGN_ENV,
    KUBERNETES,
    ROOT,
    assert_console_script,
    load_server_settings,
    server_env_names,
)

# Oldest Kubernetes minor these manifests promise to work on.
K8S_VERSION = "1.29.0"
KUSTOMIZATION = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())


def render_with_python() -> list[dict]:
    docs = []
    images = {i["name"]: f"{i['newName']}:{i['newTag']}" for i in KUSTOMIZATION["images"]}
    for resource in KUSTOMIZATION["resources"]:
        for doc in yaml.safe_load_all((KUBERNETES / resource).read_text()):
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = KUSTOMIZATION["namespace"]
            pod = pod_spec(doc)
            for container in (pod or {}).get("containers", []):
                container["image"] = images.get(container["image"], container["image"])
            docs.append(doc)
    return docs


def render() -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return render_with_python()
    result = subprocess.run(
        [kubectl, "kustomize", str(KUBERNETES)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return list(yaml.safe_load_all(result.stdout))


def pod_spec(doc: dict) -> dict | None:
    if doc["kind"] in ("Deployment", "Job"):
        return doc["spec"]["template"]["spec"]
    return None


def pod_of(doc: dict) -> dict:
    pod = pod_spec(doc)
    assert pod is not None, f"{doc['kind']} has no pod template"
    return pod


def pods(docs: list[dict]) -> list[dict]:
    return [p for p in map(pod_spec, docs) if p is not None]


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return render()


def one(docs: list[dict], kind: str, name: str) -> dict:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def test_kustomization_lists_every_manifest_and_only_existing_ones():
    listed = set(KUSTOMIZATION["resources"])
    on_disk = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


def test_python_fallback_renders_like_kustomize(docs: list[dict]):
    def key(d: dict) -> tuple[str, str]:
        return d["kind"], d["metadata"]["name"]

    fallback = {key(d): d for d in render_with_python()}
    assert set(fallback) == {key(d) for d in docs}
    for d in docs:
        assert d["metadata"].get("namespace") == fallback[key(d)]["metadata"].get("namespace")


def test_every_object_matches_the_kubernetes_schema(docs: list[dict]):
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == sorted(["Namespace", "ConfigMap", "Secret", "Service", "Deployment",
                            "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                            "Job", "Ingress"])
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_schema_check_catches_mistakes(docs: list[dict]):
    server = copy.deepcopy(one(docs, "Deployment", "hubnity-server"))
    server["spec"]["template"]["spec"]["containers"][0]["readinessProb"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(server, K8S_VERSION, strict=True)
    hpa = copy.deepcopy(one(docs, "HorizontalPodAutoscaler", "hubnity-server"))
    hpa["spec"]["minReplicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(hpa, K8S_VERSION, strict=True)


def test_everything_lands_in_the_hubnity_namespace(docs: list[dict]):
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "hubnity", doc["metadata"]["name"]


def test_server_probes_use_ready_and_health(docs: list[dict]):
    container = pod_of(one(docs, "Deployment", "hubnity-server"))["containers"][0]
    port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] in port_names
    assert port_names["http"] == 8000
    config = one(docs, "ConfigMap", "hubnity-config")["data"]
    assert config["HUBNITY_PORT"] == "8000" and config["HUBNITY_HOST"] == "0.0.0.0"


def test_commands_are_the_projects_console_scripts(docs: list[dict]):
    commands = {
        "hubnity-server": ["hubnity-server"],
        "hubnity-worker": ["hubnity-worker"],
        "hubnity-migrate": ["hubnity-server", "migrate"],
    }
    kinds = {"hubnity-migrate": "Job"}
    for name, command in commands.items():
        pod = pod_of(one(docs, kinds.get(name, "Deployment"), name))
        assert pod["containers"][0]["command"] == command
        assert_console_script(command[0])
    assert pod_of(one(docs, "Job", "hubnity-migrate"))["restartPolicy"] == "Never"


def test_all_containers_run_the_configured_image_non_root_with_limits(docs: list[dict]):
    (image,) = KUSTOMIZATION["images"]
    expected = f"{image['newName']}:{image['newTag']}"
    dockerfile = (ROOT / "installers" / "Dockerfile").read_text()
    uid = int(next(ln.split()[1].split(":")[0] for ln in dockerfile.splitlines()
                   if ln.startswith("USER ")))
    all_pods = pods(docs)
    assert len(all_pods) == 3
    for pod in all_pods:
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == uid, "the image's own user"
        assert pod["automountServiceAccountToken"] is False
        for c in pod["containers"]:
            assert c["image"] == expected
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert c["securityContext"]["readOnlyRootFilesystem"] is True
            mounts = {m["mountPath"] for m in c["volumeMounts"]}
            assert {"/tmp", "/data"} <= mounts, "writable paths on a read-only root"
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][kind]), (c["name"], kind)


def test_env_comes_from_the_configmap_and_secret_and_covers_design(docs: list[dict]):
    config = one(docs, "ConfigMap", "hubnity-config")
    secret = one(docs, "Secret", "hubnity-secrets")
    names = set(config["data"]) | set(secret["stringData"])
    assert not names - server_env_names(), f"unknown: {sorted(names - server_env_names())}"
    assert not set(DESIGN_ENV) - names, f"missing: {sorted(set(DESIGN_ENV) - names)}"
    assert not set(config["data"]) & {"JWT_SECRET", "DATABASE_URL", "S3_SECRET_KEY"}
    for pod in pods(docs):
        refs = pod["containers"][0]["envFrom"]
        assert {"configMapRef": {"name": "hubnity-config"}} in refs
        assert {"secretRef": {"name": "hubnity-secrets"}} in refs


def test_the_server_refuses_the_placeholder_secret_and_accepts_real_values(docs, tmp_path):
    config = dict(one(docs, "ConfigMap", "hubnity-config")["data"])
    secret = dict(one(docs, "Secret", "hubnity-secrets")["stringData"])
    config["HUBNITY_DATA_DIR"] = str(tmp_path)
    refused = load_server_settings({**config, **secret})
    assert "JWT_SECRET" in refused.get("error", ""), refused
    filled = {k: v.replace("REPLACE-ME", "x" * 40) for k, v in secret.items()}
    accepted = load_server_settings({**config, **filled})
    assert "error" not in accepted, accepted
    assert accepted["env"] == "production" and accepted["uses_s3"] is True
    assert accepted["db"].startswith("postgresql+asyncpg://")
    assert accepted["body_limit"] == 50 * 1024 * 1024


def test_service_hpa_pdb_and_ingress_point_at_the_server(docs: list[dict]):
    deployment = one(docs, "Deployment", "hubnity-server")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = one(docs, "Service", "hubnity-server")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    worker_labels = one(docs, "Deployment", "hubnity-worker")["spec"]["template"]["metadata"]
    assert not service["spec"]["selector"].items() <= worker_labels["labels"].items()
    pdb = one(docs, "PodDisruptionBudget", "hubnity-server")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()

    hpa = one(docs, "HorizontalPodAutoscaler", "hubnity-server")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "hubnity-server"}
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]

    ingress = one(docs, "Ingress", "hubnity")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "hubnity-server"
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
    service_port = next(p for p in service["spec"]["ports"] if p["name"] == "http")
    assert service_port["targetPort"] == "http"
    host = ingress["spec"]["rules"][0]["host"]
    assert host in ingress["spec"]["tls"][0]["hosts"]
    public_url = one(docs, "ConfigMap", "hubnity-config")["data"]["HUBNITY_PUBLIC_URL"]
    assert public_url == f"https://{host}", "the server knows the address agents use"


def test_ingress_allows_large_slow_uploads(docs: list[dict]):
    annotations = one(docs, "Ingress", "hubnity")["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "50m"
    snippet = annotations["nginx.ingress.kubernetes.io/configuration-snippet"]
    assert "client_body_timeout 120s;" in snippet
    config = one(docs, "ConfigMap", "hubnity-config")["data"]
    assert config["BODY_SIZE_LIMIT"] == "50mb", "ingress and server agree on the body limit"
