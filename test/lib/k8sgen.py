#!/usr/bin/env python3
"""Deterministic generators of Kubernetes objects as kube-scheduler sends them.

Everything here is a pure function of its arguments and a seed: no clock, no
environment, no OS randomness.  The same call gives the same bytes on every
machine and Python 3 version (random.Random seeded with a str is stable).

The JSON follows what a kube-scheduler v1.24 extender client puts on the wire:

* Kubernetes API objects (Node, Pod) use their json tags, in Go struct
  declaration order; map keys (labels, annotations, resource lists, ...) are
  sorted, as encoding/json sorts them.
* The extender envelope types have no json tags, so their keys are the Go
  field names: Pod, Nodes, NodeNames, NodeNameToVictims, Pods, UID, ...
  A nil pointer is `null`.
* Compact separators, UTF-8 output, and Go's HTML escaping of <, > and &
  (\\u003c, \\u003e, \\u0026) plus U+2028/U+2029.

Objects kube-scheduler takes from its informer cache often have no TypeMeta
(kind/apiVersion); pass typemeta=False to get that form.  managedFields
(present in v1.24 informer objects, stripped from v1.27 on) can be added
with managed_fields=True; they roughly double a node's size.

Module use:
    import k8sgen
    body = k8sgen.dumps(k8sgen.extender_args(500, "nodes"))

CLI (writes compact JSON to stdout, or to -o FILE):
    k8sgen.py node --index 1
    k8sgen.py nodes --nodes 100
    k8sgen.py pod --name web-1 --app web
    k8sgen.py args --nodes 500 --form nodes
    k8sgen.py preempt --nodes 3 --victims 2 --form meta
    k8sgen.py bodies --out-dir DIR --nodes 10,100,500 --forms names,nodes
    k8sgen.py sizes --nodes 500
"""

import argparse
import hashlib
import json
import os
import random
import sys

DEFAULT_SEED = 1
KUBE_VERSION = "v1.24.3"

# A fixed "now": 2024-05-14T08:00:00Z.  Every timestamp is an offset from it.
NOW_EPOCH = 1715673600

# --------------------------------------------------------------------------
# small deterministic helpers


def _rng(*parts):
    """A random.Random seeded by the joined parts (str seeding is stable)."""
    return random.Random(":".join(str(p) for p in parts))


def _hex(rng, n):
    return "".join("0123456789abcdef"[rng.randrange(16)] for _ in range(n))


def _uuid(rng):
    """An RFC 4122 version-4 looking UUID drawn from rng."""
    h = _hex(rng, 32)
    variant = "89ab"[rng.randrange(4)]
    return "%s-%s-4%s-%s%s-%s" % (h[0:8], h[8:12], h[13:16], variant,
                                  h[17:20], h[20:32])


def _ts(epoch):
    """RFC 3339 in UTC with second precision, as metav1.Time marshals."""
    days, rem = divmod(int(epoch), 86400)
    hh, rem = divmod(rem, 3600)
    mm, ss = divmod(rem, 60)
    y, m, d = _civil_from_days(days)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, m, d, hh, mm, ss)


def _civil_from_days(z):
    """Days since 1970-01-01 to (year, month, day); H. Hinnant's algorithm."""
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + (1 if m <= 2 else 0), m, d)


def _sorted(d):
    """A dict with sorted keys: Go marshals every map that way."""
    return {k: d[k] for k in sorted(d)}


def _suffix(rng, n=5):
    """A Kubernetes generateName suffix (consonants and digits)."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(alphabet[rng.randrange(len(alphabet))] for _ in range(n))


def node_name(i):
    return "worker-%04d" % i


# --------------------------------------------------------------------------
# JSON output the way Go's encoding/json writes it

_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
               "\u2028": "\\u2028", "\u2029": "\\u2029"}


def dumps(obj):
    """Compact JSON, UTF-8 text, Go's HTML-safe escaping."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    # These characters can only occur inside strings, so a plain replace
    # is exact.
    for ch, esc in _GO_ESCAPES.items():
        if ch in s:
            s = s.replace(ch, esc)
    return s


# --------------------------------------------------------------------------
# image catalogue: the same image has the same digest and size on every node

_SYSTEM_IMAGES = [
    ("registry.k8s.io/kube-proxy", KUBE_VERSION, 39_515_830),
    ("registry.k8s.io/pause", "3.7", 311_278),
    ("registry.k8s.io/pause", "3.6", 301_773),
    ("docker.io/flannel/flannel", "v0.19.1", 20_456_102),
    ("docker.io/flannel/flannel-cni-plugin", "v1.1.0", 3_668_421),
    ("registry.k8s.io/coredns/coredns", "v1.8.6", 13_585_107),
    ("quay.io/prometheus/node-exporter", "v1.3.1", 10_347_719),
    ("registry.k8s.io/nfd/node-feature-discovery", "v0.11.1", 58_021_514),
    ("public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver", "v1.10.0", 30_116_870),
    ("registry.k8s.io/sig-storage/csi-node-driver-registrar", "v2.5.1", 9_133_109),
    ("registry.k8s.io/sig-storage/livenessprobe", "v2.7.0", 8_689_744),
    ("docker.io/intel/wca", "v1.0.18", 183_455_012),
]

_APP_IMAGES = [
    ("docker.io/library/nginx", "1.23.1"),
    ("docker.io/library/nginx", "1.21.6-alpine"),
    ("docker.io/library/redis", "7.0.4"),
    ("docker.io/library/redis", "6.2.7-alpine"),
    ("docker.io/library/memcached", "1.6.16"),
    ("docker.io/library/postgres", "14.5"),
    ("docker.io/library/mysql", "8.0.30"),
    ("docker.io/library/mongo", "5.0.10"),
    ("docker.io/library/cassandra", "4.0.5"),
    ("docker.io/library/rabbitmq", "3.10.7-management"),
    ("docker.io/library/busybox", "1.35.0"),
    ("docker.io/library/python", "3.10.6-slim-bullseye"),
    ("docker.io/library/golang", "1.19.0-bullseye"),
    ("docker.io/library/openjdk", "17.0.2-jdk-slim"),
    ("docker.io/bitnami/kafka", "3.2.1-debian-11-r4"),
    ("docker.io/bitnami/zookeeper", "3.8.0-debian-11-r30"),
    ("docker.io/bitnami/elasticsearch", "8.3.3-debian-11-r6"),
    ("docker.io/grafana/grafana", "9.1.0"),
    ("quay.io/prometheus/prometheus", "v2.37.0"),
    ("quay.io/prometheus/alertmanager", "v0.24.0"),
    ("quay.io/jetstack/cert-manager-controller", "v1.9.1"),
    ("quay.io/jetstack/cert-manager-webhook", "v1.9.1"),
    ("docker.io/istio/proxyv2", "1.14.3"),
    ("docker.io/istio/pilot", "1.14.3"),
    ("docker.io/envoyproxy/envoy", "v1.23.0"),
    ("registry.k8s.io/ingress-nginx/controller", "v1.3.0"),
    ("registry.k8s.io/metrics-server/metrics-server", "v0.6.1"),
    ("docker.io/fluent/fluent-bit", "1.9.7"),
    ("docker.io/jaegertracing/all-in-one", "1.37.0"),
    ("docker.io/openzipkin/zipkin", "2.23.18"),
    ("gcr.io/google-samples/microservices-demo/frontend", "v0.3.9"),
    ("gcr.io/google-samples/microservices-demo/cartservice", "v0.3.9"),
    ("gcr.io/google-samples/microservices-demo/checkoutservice", "v0.3.9"),
    ("gcr.io/google-samples/microservices-demo/currencyservice", "v0.3.9"),
    ("gcr.io/google-samples/microservices-demo/recommendationservice", "v0.3.9"),
    ("gcr.io/google-samples/microservices-demo/productcatalogservice", "v0.3.9"),
    ("docker.io/intel/stress-ng", "0.14.03"),
    ("docker.io/intel/sysbench", "1.0.20"),
    ("docker.io/intel/mutilate", "2022.06"),
    ("docker.io/intel/specjbb", "2015-1.03"),
    ("docker.io/intel/tensorflow-benchmarks", "2.9.1-mkl"),
    ("ghcr.io/example-org/web-frontend", "2.14.7"),
    ("ghcr.io/example-org/payments-api", "5.2.0"),
    ("ghcr.io/example-org/search-indexer", "1.31.4"),
    ("ghcr.io/example-org/batch-worker", "0.48.2"),
]


def _image_entry(repo, tag, size):
    digest = hashlib.sha256(("%s:%s" % (repo, tag)).encode()).hexdigest()
    # kubelet reports RepoDigests first, then RepoTags.
    return {"names": ["%s@sha256:%s" % (repo, digest), "%s:%s" % (repo, tag)],
            "sizeBytes": size}


def _app_image_size(repo, tag):
    r = _rng("imgsize", repo, tag)
    return r.randrange(5_000_000, 900_000_000)


def _node_images(rng):
    """20-30 images: the system set plus apps, largest first like kubelet."""
    count = rng.randrange(20, 31)
    images = [_image_entry(*x) for x in _SYSTEM_IMAGES]
    apps = rng.sample(_APP_IMAGES, count - len(images))
    images += [_image_entry(r, t, _app_image_size(r, t)) for r, t in apps]
    images.sort(key=lambda e: (-e["sizeBytes"], e["names"][0]))
    return images


# --------------------------------------------------------------------------
# Node

# (instance type, cpus, memory capacity in Ki, ephemeral-storage capacity Ki)
_INSTANCE_TYPES = [
    ("m5.2xlarge", 8, 32408812, 101430960),
    ("m5.4xlarge", 16, 65843204, 101430960),
    ("m5.4xlarge", 16, 65843204, 101430960),
    ("r5.4xlarge", 16, 131895204, 203056560),
    ("m5.8xlarge", 32, 131895204, 203056560),
    ("c5.12xlarge", 48, 96467252, 203056560),
    ("m5.16xlarge", 64, 263782092, 406113120),
]

_REGION = "us-east-1"
_ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]

_NFD_FEATURES = (
    "cpu-cpuid.ADX,cpu-cpuid.AESNI,cpu-cpuid.AVX,cpu-cpuid.AVX2,"
    "cpu-cpuid.AVX512BW,cpu-cpuid.AVX512CD,cpu-cpuid.AVX512DQ,"
    "cpu-cpuid.AVX512F,cpu-cpuid.AVX512VL,cpu-cpuid.AVX512VNNI,cpu-cpuid.FMA3,"
    "cpu-cpuid.HYPERVISOR,cpu-cpuid.MPX,cpu-cpuid.SHA,cpu-cpuid.VMX,"
    "cpu-cpuid.WBNOINVD,cpu-hardware_multithreading,cpu-model.family,"
    "cpu-model.id,cpu-model.vendor_id,kernel-version.full,"
    "kernel-version.major,kernel-version.minor,pci-1d0f.present,"
    "storage-nonrotationaldisk,system-os_release.ID"
)


def _node_ip(i):
    k = i + 10
    return "172.%d.%d.%d" % (16 + ((k >> 16) & 15), (k >> 8) & 255, k & 255)


def _pod_cidr(i):
    return "10.%d.%d.0/24" % (128 + ((i >> 8) & 127), i & 255)


def _managed_fields(created, heartbeat, with_taints, cidr):
    """The v1.24 managedFields of a kubeadm + flannel + NFD node."""
    kubelet_meta = {
        "f:metadata": {
            "f:annotations": {
                ".": {},
                "f:volumes.kubernetes.io/controller-managed-attach-detach": {},
            },
            "f:labels": {
                ".": {}, "f:beta.kubernetes.io/arch": {},
                "f:beta.kubernetes.io/instance-type": {},
                "f:beta.kubernetes.io/os": {},
                "f:failure-domain.beta.kubernetes.io/region": {},
                "f:failure-domain.beta.kubernetes.io/zone": {},
                "f:kubernetes.io/arch": {}, "f:kubernetes.io/hostname": {},
                "f:kubernetes.io/os": {},
                "f:node.kubernetes.io/instance-type": {},
                "f:topology.kubernetes.io/region": {},
                "f:topology.kubernetes.io/zone": {},
            },
        },
        "f:spec": {"f:providerID": {}},
    }
    status = {
        "f:status": {
            "f:allocatable": {"f:ephemeral-storage": {}, "f:memory": {}},
            "f:capacity": {"f:ephemeral-storage": {}},
            "f:conditions": {
                'k:{"type":"DiskPressure"}': {"f:lastHeartbeatTime": {}},
                'k:{"type":"MemoryPressure"}': {"f:lastHeartbeatTime": {}},
                'k:{"type":"PIDPressure"}': {"f:lastHeartbeatTime": {}},
                'k:{"type":"Ready"}': {
                    "f:lastHeartbeatTime": {}, "f:lastTransitionTime": {},
                    "f:message": {}, "f:reason": {}, "f:status": {},
                },
            },
            "f:images": {},
            "f:nodeInfo": {"f:bootID": {}, "f:kernelVersion": {}},
        },
    }
    cm_spec = {"f:spec": {"f:podCIDR": {}, "f:podCIDRs": {".": {}, 'v:"%s"' % cidr: {}}}}
    cm_meta = {"f:metadata": {"f:annotations": {"f:node.alpha.kubernetes.io/ttl": {}}}}
    if with_taints:
        cm_spec["f:spec"]["f:taints"] = {}
    flannel = {
        "f:metadata": {"f:annotations": {
            "f:flannel.alpha.coreos.com/backend-data": {},
            "f:flannel.alpha.coreos.com/backend-type": {},
            "f:flannel.alpha.coreos.com/kube-subnet-manager": {},
            "f:flannel.alpha.coreos.com/public-ip": {},
        }},
        "f:status": {"f:conditions": {'k:{"type":"NetworkUnavailable"}': {
            ".": {}, "f:lastHeartbeatTime": {}, "f:lastTransitionTime": {},
            "f:message": {}, "f:reason": {}, "f:status": {}, "f:type": {},
        }}},
    }
    nfd = {"f:metadata": {
        "f:annotations": {"f:nfd.node.kubernetes.io/feature-labels": {},
                          "f:nfd.node.kubernetes.io/master.version": {}},
        "f:labels": {"f:feature.node.kubernetes.io/cpu-cpuid.AVX512F": {},
                     "f:feature.node.kubernetes.io/cpu-model.family": {},
                     "f:feature.node.kubernetes.io/kernel-version.major": {},
                     "f:feature.node.kubernetes.io/pci-1d0f.present": {}},
    }}

    def entry(manager, op, t, fields, sub=None):
        e = {"manager": manager, "operation": op, "apiVersion": "v1",
             "time": _ts(t), "fieldsType": "FieldsV1", "fieldsV1": fields}
        if sub:
            e["subresource"] = sub
        return e

    return [
        entry("kubeadm", "Update", created + 4, {"f:metadata": {"f:annotations": {
            "f:kubeadm.alpha.kubernetes.io/cri-socket": {}}, "f:labels": {
            "f:node-role.kubernetes.io/worker": {}}}}),
        entry("kubelet", "Update", created, kubelet_meta),
        entry("kube-controller-manager", "Update", created + 12,
              dict(cm_meta, **cm_spec)),
        entry("flanneld", "Update", created + 31, flannel, "status"),
        entry("nfd-master", "Update", created + 47, nfd),
        entry("kubelet", "Update", heartbeat, status, "status"),
    ]


def node(i, seed=DEFAULT_SEED, typemeta=True, managed_fields=False):
    """Node number i (1-based name worker-%04d) as a JSON-ready dict.

    Typically 4-8 KB of compact JSON; about twice that with managed_fields.
    """
    rng = _rng("node", seed, i)
    name = node_name(i)
    itype, cpus, mem_ki, eph_ki = _INSTANCE_TYPES[rng.randrange(len(_INSTANCE_TYPES))]
    zone = _ZONES[i % len(_ZONES)]
    ip = _node_ip(i)
    instance_id = "i-0" + _hex(rng, 16)
    created = NOW_EPOCH - rng.randrange(3 * 86400, 400 * 86400)
    heartbeat = NOW_EPOCH - rng.randrange(0, 40)
    booted = created + rng.randrange(0, 2 * 86400)
    hugepages_1g = 4 if rng.random() < 0.1 else 0

    labels = _sorted({
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": itype,
        "beta.kubernetes.io/os": "linux",
        "failure-domain.beta.kubernetes.io/region": _REGION,
        "failure-domain.beta.kubernetes.io/zone": zone,
        "feature.node.kubernetes.io/cpu-cpuid.AVX512F": "true",
        "feature.node.kubernetes.io/cpu-model.family": "6",
        "feature.node.kubernetes.io/kernel-version.major": "5",
        "feature.node.kubernetes.io/pci-1d0f.present": "true",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node-role.kubernetes.io/worker": "",
        "node.kubernetes.io/instance-type": itype,
        "topology.kubernetes.io/region": _REGION,
        "topology.kubernetes.io/zone": zone,
    })
    vtep = ":".join("%02x" % rng.randrange(256) for _ in range(6))
    annotations = _sorted({
        "csi.volume.kubernetes.io/nodeid": json.dumps(
            {"ebs.csi.aws.com": instance_id}, separators=(",", ":")),
        "flannel.alpha.coreos.com/backend-data": json.dumps(
            {"VNI": 1, "VtepMAC": vtep}, separators=(",", ":")),
        "flannel.alpha.coreos.com/backend-type": "vxlan",
        "flannel.alpha.coreos.com/kube-subnet-manager": "true",
        "flannel.alpha.coreos.com/public-ip": ip,
        "kubeadm.alpha.kubernetes.io/cri-socket":
            "unix:///run/containerd/containerd.sock",
        "nfd.node.kubernetes.io/feature-labels": _NFD_FEATURES,
        "nfd.node.kubernetes.io/master.version": "v0.11.1",
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    })

    taints = []
    unschedulable = rng.random() < 0.02
    if unschedulable:
        taints.append({"key": "node.kubernetes.io/unschedulable",
                       "effect": "NoSchedule",
                       "timeAdded": _ts(NOW_EPOCH - rng.randrange(60, 86400))})
    if rng.random() < 0.1:
        taints.append({"key": "dedicated", "value": "batch",
                       "effect": "NoSchedule"})

    meta = {"name": name, "uid": _uuid(rng),
            "resourceVersion": str(1_000_000 + 7919 * i + rng.randrange(7919)),
            "creationTimestamp": _ts(created),
            "labels": labels, "annotations": annotations}
    if managed_fields:
        meta["managedFields"] = _managed_fields(created, heartbeat,
                                                bool(taints), _pod_cidr(i))

    cidr = _pod_cidr(i)
    spec = {"podCIDR": cidr, "podCIDRs": [cidr],
            "providerID": "aws:///%s/%s" % (zone, instance_id)}
    if unschedulable:
        spec["unschedulable"] = True
    if taints:
        spec["taints"] = taints

    eph_alloc = eph_ki * 1024 * 9 // 10 - 1_048_576 * (eph_ki % 7)
    mem_alloc_ki = mem_ki - 102400 - hugepages_1g * 1048576
    capacity = _sorted({
        "cpu": str(cpus), "ephemeral-storage": "%dKi" % eph_ki,
        "hugepages-1Gi": "%dGi" % hugepages_1g if hugepages_1g else "0",
        "hugepages-2Mi": "0", "memory": "%dKi" % mem_ki, "pods": "110",
        "attachable-volumes-aws-ebs": "25",
    })
    allocatable = dict(capacity)
    allocatable["ephemeral-storage"] = str(eph_alloc)
    allocatable["memory"] = "%dKi" % mem_alloc_ki

    ready = rng.random() >= 0.01
    net_since = _ts(created + 31)
    cond_since = _ts(booted + 3)

    def cond(ctype, status, reason, message, since):
        return {"type": ctype, "status": status,
                "lastHeartbeatTime": _ts(heartbeat),
                "lastTransitionTime": since, "reason": reason,
                "message": message}

    conditions = [
        {"type": "NetworkUnavailable", "status": "False",
         "lastHeartbeatTime": net_since, "lastTransitionTime": net_since,
         "reason": "FlannelIsUp", "message": "Flannel is running on this node"},
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory",
             "kubelet has sufficient memory available", cond_since),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure",
             "kubelet has no disk pressure", cond_since),
        cond("PIDPressure", "False", "KubeletHasSufficientPID",
             "kubelet has sufficient PID available", cond_since),
        cond("Ready", "True", "KubeletReady",
             "kubelet is posting ready status. AppArmor enabled",
             _ts(booted + 14)) if ready else
        cond("Ready", "False", "KubeletNotReady",
             "container runtime network not ready: NetworkReady=false "
             "reason:NetworkPluginNotReady message:Network plugin returns "
             "error: cni plugin not initialized",
             _ts(NOW_EPOCH - rng.randrange(30, 600))),
    ]

    status = {
        "capacity": capacity,
        "allocatable": allocatable,
        "conditions": conditions,
        "addresses": [{"type": "InternalIP", "address": ip},
                      {"type": "Hostname", "address": name}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "machineID": _hex(rng, 32),
            "systemUUID": "ec2" + _uuid(rng)[3:],
            "bootID": _uuid(rng),
            "kernelVersion": "5.15.0-1019-aws",
            "osImage": "Ubuntu 22.04.1 LTS",
            "containerRuntimeVersion": "containerd://1.6.8",
            "kubeletVersion": KUBE_VERSION,
            "kubeProxyVersion": KUBE_VERSION,
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
        "images": _node_images(rng),
    }

    out = {}
    if typemeta:
        out["kind"] = "Node"
        out["apiVersion"] = "v1"
    out["metadata"] = meta
    out["spec"] = spec
    out["status"] = status
    return out


def node_list(n, seed=DEFAULT_SEED, typemeta=True, managed_fields=False,
              start=1):
    """A NodeList of nodes start .. start+n-1, as an extender's Nodes field."""
    return {"metadata": {"resourceVersion": str(5_000_000 + n)},
            "items": [node(i, seed, typemeta, managed_fields)
                      for i in range(start, start + n)]}


# --------------------------------------------------------------------------
# Pod

_APP_RESOURCES = {
    # app: (cpu request, memory request, cpu limit, memory limit, port)
    "web": ("500m", "512Mi", "1", "1Gi", 8080),
    "db": ("2", "8Gi", "4", "16Gi", 5432),
    "cache": ("250m", "4Gi", "1", "6Gi", 11211),
    "memcached-mutilate-big": ("1", "10Gi", "2", "12Gi", 11211),
    "stress-stream-medium": ("2", "2Gi", "2", "2Gi", 9000),
    "sysbench-memory-big": ("1", "4Gi", "1", "4Gi", 9000),
}


def _app_resources(app):
    if app in _APP_RESOURCES:
        return _APP_RESOURCES[app]
    r = _rng("appres", app)
    cpu = r.choice(["100m", "250m", "500m", "1", "2"])
    mem = r.choice(["128Mi", "256Mi", "1Gi", "2Gi"])
    return (cpu, mem, cpu, mem, 8080)


def pod(name=None, namespace="default", app="web", seed=DEFAULT_SEED,
        node_name_=None, typemeta=True, affinity=True, managed_fields=False):
    """A Pod of the Deployment `app` (through its ReplicaSet).

    name None gives the usual ReplicaSet-made name, APP-HASH-xxxxx.
    Pending and unscheduled by default (what filter/prioritize receive);
    with node_name_ set it is Running on that node (a preemption victim).
    """
    rs_rng = _rng("replicaset", seed, namespace, app)
    template_hash = _suffix(rs_rng, 10)
    rs_name = "%s-%s" % (app, template_hash)
    rs_uid = _uuid(rs_rng)
    if name is None:
        name = "%s-%s" % (rs_name, _suffix(_rng("podname", seed, namespace,
                                                     app, node_name_)))
    rng = _rng("pod", seed, namespace, name)
    cpu_req, mem_req, cpu_lim, mem_lim, port = _app_resources(app)
    created = NOW_EPOCH - (rng.randrange(3600, 30 * 86400) if node_name_
                           else rng.randrange(0, 5))
    token_vol = "kube-api-access-" + _suffix(rng)
    image = {"web": "ghcr.io/example-org/web-frontend:2.14.7",
             "db": "docker.io/library/postgres:14.5",
             "cache": "docker.io/library/memcached:1.6.16"}.get(
        app, "docker.io/intel/%s:1.0" % app.split("-")[0])

    meta = {
        "name": name,
        "generateName": rs_name + "-",
        "namespace": namespace,
        "uid": _uuid(rng),
        "resourceVersion": str(9_000_000 + rng.randrange(1_000_000)),
        "creationTimestamp": _ts(created),
        "labels": _sorted({"app": app,
                           "app.kubernetes.io/name": app,
                           "app.kubernetes.io/part-of": "shop",
                           "pod-template-hash": template_hash,
                           "tier": "backend" if app != "web" else "frontend"}),
        "annotations": _sorted({
            "kubectl.kubernetes.io/restartedAt": _ts(created - 86400),
            "prometheus.io/port": "9102", "prometheus.io/scrape": "true",
            # a '&' so the Go \u0026 escape appears in every pod
            "example.org/dashboard":
                "https://grafana.example.org/d/pods?orgId=1&var-namespace=%s"
                "&var-pod=%s" % (namespace, name),
        }),
        "ownerReferences": [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name,
            "uid": rs_uid, "controller": True,
            "blockOwnerDeletion": True}],
    }
    if managed_fields:
        meta["managedFields"] = [{
            "manager": "kube-controller-manager", "operation": "Update",
            "apiVersion": "v1", "time": _ts(created), "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {
                ".": {}, "f:app": {}, "f:pod-template-hash": {}},
                "f:ownerReferences": {".": {}, 'k:{"uid":"%s"}' %
                                      meta["ownerReferences"][0]["uid"]: {}}},
                "f:spec": {"f:containers": {'k:{"name":"%s"}' % app: {
                    ".": {}, "f:image": {}, "f:imagePullPolicy": {},
                    "f:name": {}, "f:resources": {}}}}}}]

    container = {
        "name": app,
        "image": image,
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "env": [{"name": "APP_NAME", "value": app},
                {"name": "POD_IP", "valueFrom": {"fieldRef": {
                    "apiVersion": "v1", "fieldPath": "status.podIP"}}},
                {"name": "GOMAXPROCS", "valueFrom": {"resourceFieldRef": {
                    "resource": "limits.cpu", "divisor": "0"}}}],
        "resources": {"limits": _sorted({"cpu": cpu_lim, "memory": mem_lim}),
                      "requests": _sorted({"cpu": cpu_req, "memory": mem_req})},
        "volumeMounts": [{"name": token_vol, "readOnly": True,
                          "mountPath":
                              "/var/run/secrets/kubernetes.io/serviceaccount"}],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": port,
                                       "scheme": "HTTP"},
                           "timeoutSeconds": 1, "periodSeconds": 10,
                           "successThreshold": 1, "failureThreshold": 3},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
    }
    sidecar = {
        "name": "metrics-exporter",
        "image": "quay.io/prometheus/statsd-exporter:v0.22.7",
        "args": ["--statsd.listen-udp=:9125", "--web.listen-address=:9102"],
        "ports": [{"name": "metrics", "containerPort": 9102,
                   "protocol": "TCP"}],
        "resources": {"limits": {"cpu": "100m", "memory": "64Mi"},
                      "requests": {"cpu": "10m", "memory": "32Mi"}},
        "volumeMounts": [dict(container["volumeMounts"][0])],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
    }

    spec = {
        "volumes": [{"name": token_vol, "projected": {"sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607,
                                     "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt",
                           "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}],
            "defaultMode": 420}}],
        "containers": [container, sidecar],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "serviceAccount": "default",
    }
    if node_name_:
        spec["nodeName"] = node_name_
    spec["securityContext"] = {}
    if affinity:
        spec["affinity"] = {
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{
                    "key": "kubernetes.io/os", "operator": "In",
                    "values": ["linux"]}]}]}},
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [{
                    "weight": 100, "podAffinityTerm": {
                        "labelSelector": {"matchLabels": {"app": app}},
                        "topologyKey": "kubernetes.io/hostname"}}]},
        }
    spec["schedulerName"] = "default-scheduler"
    spec["tolerations"] = [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
         "effect": "NoExecute", "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
         "effect": "NoExecute", "tolerationSeconds": 300},
    ]
    spec["priority"] = 0
    spec["enableServiceLinks"] = True
    spec["preemptionPolicy"] = "PreemptLowerPriority"

    qos = "Burstable"  # the sidecar's requests differ from its limits
    if node_name_:
        started = created + rng.randrange(2, 20)
        host_ip = _node_ip(int(node_name_.rsplit("-", 1)[-1])) \
            if node_name_.rsplit("-", 1)[-1].isdigit() else "172.16.0.2"
        pod_ip = "10.%d.%d.%d" % (128 + rng.randrange(128), rng.randrange(256),
                                  rng.randrange(2, 250))

        def pcond(ctype, t):
            return {"type": ctype, "status": "True", "lastProbeTime": None,
                    "lastTransitionTime": _ts(t)}

        def cstatus(c):
            return {"name": c["name"],
                    "state": {"running": {"startedAt": _ts(started + 1)}},
                    "lastState": {}, "ready": True, "restartCount": 0,
                    "image": c["image"],
                    "imageID": _image_entry(*(c["image"].rsplit(":", 1) + [0]))
                    ["names"][0],
                    "containerID": "containerd://" + _hex(rng, 64),
                    "started": True}

        status = {
            "phase": "Running",
            "conditions": [pcond("Initialized", started),
                           pcond("Ready", started + 6),
                           pcond("ContainersReady", started + 6),
                           pcond("PodScheduled", created)],
            "hostIP": host_ip, "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
            "startTime": _ts(started),
            "containerStatuses": [cstatus(container), cstatus(sidecar)],
            "qosClass": qos,
        }
    else:
        status = {"phase": "Pending", "qosClass": qos}

    out = {}
    if typemeta:
        out["kind"] = "Pod"
        out["apiVersion"] = "v1"
    out["metadata"] = meta
    out["spec"] = spec
    out["status"] = status
    return out


def _default_pod(seed, namespace, app):
    return pod(None, namespace, app, seed)


# --------------------------------------------------------------------------
# extender envelopes

FORMS = ("names", "nodes")


def extender_args(n, form="names", seed=DEFAULT_SEED, namespace="default",
                  app="web", pod_obj=None, typemeta=True, managed_fields=False):
    """ExtenderArgs for n candidate nodes.

    form "names": NodeNames list, Nodes null (nodeCacheCapable: true).
    form "nodes": Nodes is a NodeList, NodeNames null (nodeCacheCapable: false).
    """
    if form not in FORMS:
        raise ValueError("form must be one of %s" % (FORMS,))
    p = pod_obj if pod_obj is not None else _default_pod(seed, namespace, app)
    if form == "names":
        return {"Pod": p, "Nodes": None,
                "NodeNames": [node_name(i) for i in range(1, n + 1)]}
    return {"Pod": p,
            "Nodes": node_list(n, seed, typemeta, managed_fields),
            "NodeNames": None}


def preempt_args(n=3, victims=2, form="meta", seed=DEFAULT_SEED,
                 namespace="default", app="web", num_pdb_violations=0):
    """ExtenderPreemptionArgs for n nodes with `victims` pods each.

    form "meta": NodeNameToMetaVictims (UIDs only; nodeCacheCapable true),
    form "pods": NodeNameToVictims (full pods; nodeCacheCapable false).
    """
    if form not in ("meta", "pods"):
        raise ValueError("form must be 'meta' or 'pods'")
    preemptor = _default_pod(seed, namespace, app)
    preemptor["spec"]["priority"] = 1000
    preemptor["spec"]["priorityClassName"] = "high-priority"
    table = {}
    for i in range(1, n + 1):
        nn = node_name(i)
        pods = []
        for v in range(victims):
            vapp = ("batch", "cache", "web")[(i + v) % 3]
            pods.append(pod("%s-victim-%d-%d" % (vapp, i, v), namespace, vapp,
                            seed, node_name_=nn))
        table[nn] = {"Pods": pods if form == "pods" else
                     [{"UID": p["metadata"]["uid"]} for p in pods],
                     "NumPDBViolations": num_pdb_violations}
    table = _sorted(table)
    if form == "pods":
        return {"Pod": preemptor, "NodeNameToVictims": table,
                "NodeNameToMetaVictims": None}
    return {"Pod": preemptor, "NodeNameToVictims": None,
            "NodeNameToMetaVictims": table}


# --------------------------------------------------------------------------
# CLI


def _int_list(s):
    return [int(x) for x in s.split(",") if x.strip()]


def _emit(obj, out, pretty):
    text = (json.dumps(obj, indent=2, ensure_ascii=False) if pretty
            else dumps(obj))
    if out and out != "-":
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
        if pretty or sys.stdout.isatty():
            sys.stdout.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="k8sgen.py",
        description="Deterministic Kubernetes objects and extender bodies.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--seed", type=int, default=DEFAULT_SEED)
    common.add_argument("-o", "--out", help="write here instead of stdout")
    common.add_argument("--pretty", action="store_true",
                        help="indented output (not what Go sends)")
    common.add_argument("--no-typemeta", action="store_true",
                        help="omit kind/apiVersion (informer-cache objects)")
    common.add_argument("--managed-fields", action="store_true",
                        help="add v1.24-style metadata.managedFields")
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("node", parents=[common], help="one Node")
    p.add_argument("--index", type=int, default=1)
    p = sub.add_parser("nodes", parents=[common], help="a NodeList")
    p.add_argument("--nodes", type=int, default=10)
    p = sub.add_parser("pod", parents=[common], help="one pending Pod")
    p.add_argument("--name", help="default: APP-HASH-xxxxx")
    p.add_argument("--namespace", default="default")
    p.add_argument("--app", default="web")
    p.add_argument("--node", help="make it a Running pod on this node")
    p = sub.add_parser("args", parents=[common],
                       help="ExtenderArgs (filter/prioritize body)")
    p.add_argument("--nodes", type=int, default=10)
    p.add_argument("--form", choices=FORMS, default="names")
    p.add_argument("--namespace", default="default")
    p.add_argument("--app", default="web")
    p = sub.add_parser("preempt", parents=[common],
                       help="ExtenderPreemptionArgs (preempt body)")
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument("--victims", type=int, default=2)
    p.add_argument("--form", choices=("meta", "pods"), default="meta")
    p.add_argument("--namespace", default="default")
    p.add_argument("--app", default="web")
    p = sub.add_parser("bodies", parents=[common],
                       help="write args-FORM-N.json for several N and forms")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--nodes", type=_int_list, default=[10, 100, 500])
    p.add_argument("--forms", default="names,nodes")
    p.add_argument("--namespace", default="default")
    p.add_argument("--app", default="web")
    p = sub.add_parser("sizes", parents=[common],
                       help="print node and body sizes in bytes")
    p.add_argument("--nodes", type=int, default=500)

    a = ap.parse_args(argv)
    tm = not a.no_typemeta
    mf = a.managed_fields

    if a.cmd == "node":
        _emit(node(a.index, a.seed, tm, mf), a.out, a.pretty)
    elif a.cmd == "nodes":
        _emit(node_list(a.nodes, a.seed, tm, mf), a.out, a.pretty)
    elif a.cmd == "pod":
        _emit(pod(a.name, a.namespace, a.app, a.seed, a.node, tm), a.out,
              a.pretty)
    elif a.cmd == "args":
        _emit(extender_args(a.nodes, a.form, a.seed, a.namespace, a.app,
                            typemeta=tm, managed_fields=mf), a.out, a.pretty)
    elif a.cmd == "preempt":
        _emit(preempt_args(a.nodes, a.victims, a.form, a.seed, a.namespace,
                           a.app), a.out, a.pretty)
    elif a.cmd == "bodies":
        # Nodes are generated once and shared by every size.
        forms = [f for f in a.forms.split(",") if f]
        for f in forms:
            if f not in FORMS:
                ap.error("unknown form %r" % f)
        p0 = _default_pod(a.seed, a.namespace, a.app)
        biggest = max(a.nodes) if a.nodes else 0
        items = ([node(i, a.seed, tm, mf) for i in range(1, biggest + 1)]
                 if "nodes" in forms else [])
        os.makedirs(a.out_dir, exist_ok=True)
        for n in a.nodes:
            for f in forms:
                if f == "names":
                    body = {"Pod": p0, "Nodes": None,
                            "NodeNames": [node_name(i) for i in range(1, n + 1)]}
                else:
                    body = {"Pod": p0,
                            "Nodes": {"metadata": {"resourceVersion":
                                                   str(5_000_000 + n)},
                                      "items": items[:n]},
                            "NodeNames": None}
                path = os.path.join(a.out_dir, "args-%s-%d.json" % (f, n))
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(dumps(body))
                print(path)
    elif a.cmd == "sizes":
        sizes = [len(dumps(node(i, a.seed, tm, mf)).encode())
                 for i in range(1, a.nodes + 1)]
        p0 = _default_pod(a.seed, "default", "web")
        print("node bytes: min %d avg %d max %d (n=%d)" % (
            min(sizes), sum(sizes) // len(sizes), max(sizes), len(sizes)))
        print("pod bytes: %d" % len(dumps(p0).encode()))
        for f in FORMS:
            b = len(dumps(extender_args(a.nodes, f, a.seed, typemeta=tm,
                                        managed_fields=mf)).encode())
            print("args %s %d: %d bytes" % (f, a.nodes, b))
    return 0


if __name__ == "__main__":
    sys.exit(main())
