#!/usr/bin/env python3
"""Runs the real msticnb NetworkFlowSummary offline and writes its outputs as JSON.

The notebooklet is msticnb's own code, unchanged, on msticpy's LocalData query
provider reading the flow file our CLI reads. Only the edges that would leave
the machine or wait for a person are replaced, in-process:

- whois/ASN: msticpy's Team Cymru socket query (ip_utils._asn_whois_query) and
  its RDAP HTTP query (ip_utils._run_rdap_query) answer from a GeoLite2-ASN
  format database (the one our run reads), so msticpy's own parsing, merging
  and labelling run as they do on the Internet;
- geolocation: msticpy's GeoLiteLookup over a GeoLite2-City format database
  (auto-update off), also used by msticpy's folium map module;
- threat intel: a msticpy TIProvider answering from our indicator file
  (ioc,ioc_type,severity,details,reference,provider), registered in a real
  msticpy TILookup;
- the ASN selector: after msticnb's select_asns() has built its widget (whose
  selected list is msticnb's default selection), the selection given on the
  command line replaces the widget's selected_items.

Every outbound socket connection is refused, so nothing reaches the network.

usage: harness.py MANIFEST.json OUT.json
       harness.py --bench FLOWS.csv ASN.mmdb CITY.mmdb VALUE   (scripts/bench.sh)

MANIFEST is {"cases": [CASE, ...]} with, per CASE:
  name, flows (CSV path), value (host name or IP), asn_db, city_db, ti_file,
  start, end (ISO times; default: the file's FlowStartTime range),
  kql_time_filter (bool: LocalData returns the whole file, so keep only the rows
  msticpy's KQL query would return for start..end, as Log Analytics would),
  options (list, msticnb's syntax; default: msticnb's defaults),
  select ("default", "all", or a list of ASN labels),
  lookup_ti (bool), patches (list of patch names, see PATCHES),
  auto_patch (bool: when a step crashes on a line a patch fixes, record the
  crash and run the case again with that patch), keep_rate_limit (bool: keep
  msticpy's 0.5 s sleep per whois lookup in batches over 50 addresses).
OUT is {"msticnb": version, "msticpy": version, "cases": {name: RESULT}}.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import ipaddress
import json
import math
import socket
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

warnings.filterwarnings("ignore")

_REAL_CONNECT = socket.socket.connect


def _refuse_connect(sock, address):
    """Refuse every connection but loopback: the harness is offline."""
    host = address[0] if isinstance(address, tuple) else address
    try:
        if ipaddress.ip_address(host).is_loopback:
            return _REAL_CONNECT(sock, address)
    except ValueError:
        pass
    raise ConnectionRefusedError(f"msticnb harness is offline: connection to {address!r} refused")


socket.socket.connect = _refuse_connect  # type: ignore[method-assign]

with contextlib.redirect_stdout(io.StringIO()):
    import geoip2.database
    import maxminddb
    import msticnb
    import msticpy
    import pandas as pd
    from msticnb.data_providers import DataProviders
    from msticnb.nb.azsent.network import network_flow_summary as nfs
    from msticpy.context import ip_utils
    from msticpy.context.geoip import GeoLiteLookup
    from msticpy.context.lookup_result import LookupStatus
    from msticpy.context.tilookup import TILookup
    from msticpy.context.tiproviders.ti_provider_base import ResultSeverity, TIProvider
    from msticpy.data import QueryProvider
    from msticpy.vis import foliummap

MSTICNB_FILE = nfs.__file__

# ---------------------------------------------------------------- whois/ASN


class ASNDatabase:
    """Answers Team Cymru and RDAP queries from a GeoLite2-ASN format database."""

    def __init__(self, path: str):
        self.reader = maxminddb.open_database(path)

    def lookup(self, ip: str) -> tuple[dict | None, str | None]:
        try:
            rec, prefix_len = self.reader.get_with_prefix_len(ip)
        except ValueError:
            return None, None
        if not rec or "autonomous_system_number" not in rec:
            return None, None
        net = ipaddress.ip_network(f"{ip}/{prefix_len}", strict=False)
        return rec, str(net)

    def cymru(self, query: str) -> str:
        """The reply of `whois -h whois.cymru.com " -v IP"` (msticpy's query)."""
        ip = query.strip().removeprefix("-v").strip()
        head = "AS      | IP               | BGP Prefix          | CC | Registry | Allocated  | AS Name\n"
        rec, net = self.lookup(ip)
        if rec is None:
            # Cymru's answer for unannounced and private space.
            return head + f"NA      | {ip:<16} | NA                  |    | other    |            | NA\n"
        name = rec.get("autonomous_system_organization", "")
        asn = rec["autonomous_system_number"]
        return head + f"{asn:<7} | {ip:<16} | {net:<19} | ZZ | arin     | 2019-02-12 | {name}\n"

    def rdap(self, url: str) -> dict:
        """A minimal RDAP ip-network object for the URL's address."""
        ip = url.rsplit("/", 1)[-1]
        rec, net = self.lookup(ip)
        network = ipaddress.ip_network(net or f"{ip}/{32 if ':' not in ip else 128}", strict=False)
        v = "v6prefix" if network.version == 6 else "v4prefix"
        return {
            "handle": f"NET-{network.network_address}",
            "name": (rec or {}).get("autonomous_system_organization", "unknown"),
            "startAddress": str(network.network_address),
            "endAddress": str(network.broadcast_address),
            "cidr0_cidrs": [{v: str(network.network_address), "length": network.prefixlen}],
            "events": [],
            "entities": [],
            "links": [],
        }


def patch_whois(db: ASNDatabase, keep_rate_limit: bool = False) -> None:
    import httpx

    def asn_whois_query(query: str, server: str, port: int = 43, retry_count: int = 5) -> str:
        del port, retry_count
        if server != "whois.cymru.com":
            raise ConnectionRefusedError(f"msticnb harness: no whois server {server} offline")
        return db.cymru(query)

    def run_rdap_query(url: str):
        return httpx.Response(200, json=db.rdap(url), request=httpx.Request("GET", url))

    ip_utils._asn_whois_query = asn_whois_query
    ip_utils._run_rdap_query = run_rdap_query
    # ip_whois sleeps query_rate (0.5 s) before each lookup of a batch of more than
    # RATE_LIMIT_THRESHOLD (50) addresses, to spare the remote services; offline
    # there is no service to spare (keep_rate_limit restores the sleep).
    ip_utils.sleep = time.sleep if keep_rate_limit else (lambda seconds: None)
    for cached in (ip_utils._whois_lookup, ip_utils.get_whois_info):
        with contextlib.suppress(AttributeError):
            cached.cache_clear()
    with contextlib.suppress(AttributeError):
        ip_utils.get_whois_info.__wrapped__.cache_clear()


# ---------------------------------------------------------------- threat intel

# Our indicator file's severities on msticpy's scale (information < warning < high):
# low and medium are both msticpy's "warning"; both are positive in both tools.
_SEVERITY = {"information": "information", "low": "warning", "medium": "warning", "high": "high"}


class LocalIndicators(TIProvider):
    """msticpy TI provider over our indicator CSV (ioc,ioc_type,severity,details,reference,provider)."""

    _QUERIES = {"ipv4": None, "ipv6": None}

    def __init__(self, path: str):
        super().__init__()
        self._rows: dict[str, dict[str, str]] = {}
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                self._rows.setdefault(row["ioc"].strip(), row)

    def lookup_ioc(self, ioc, ioc_type=None, query_type=None, *, provider_name=None):
        result: dict[str, Any] = self._check_ioc_type(ioc=ioc, ioc_type=ioc_type, query_subtype=query_type)
        result["Provider"] = provider_name or "LocalIndicators"
        result["Result"] = False
        if result["Status"]:
            return pd.DataFrame([result])
        row = self._rows.get(ioc)
        if row:
            sev = (row.get("severity") or "medium").strip().lower()
            result["Severity"] = ResultSeverity.parse(_SEVERITY.get(sev, "warning")).name
            result["Result"] = True
            result["Details"] = row.get("details", "")
            result["Reference"] = row.get("reference", "")
            result["RawResult"] = dict(row)
        else:
            result["Details"] = "Not found."
        result["Status"] = LookupStatus.OK.value
        return pd.DataFrame([result])

    def parse_results(self, response):
        del response
        return (True, ResultSeverity.information, None)


# ---------------------------------------------------------------- recording


class Recorder:
    """Collects what msticnb displays, writes as markdown, and puts on its maps."""

    def __init__(self):
        self.messages: list[str] = []
        self.displayed: list[str] = []
        self.maps: list[list[dict]] = []
        self.current: list[dict] | None = None

    def markdown(self, *args, **kwargs):
        del kwargs
        self.messages.append(" ".join(str(a) for a in args[:1]))

    def warn(self, *args, **kwargs):
        del kwargs
        self.messages.append("WARNING: " + " ".join(str(a) for a in args))

    def display(self, obj, *args, **kwargs):
        del args, kwargs
        self.displayed.append(type(obj).__name__)


_RECORDER: list[Recorder] = []


def install_recorder(rec: Recorder) -> None:
    """Makes rec the recorder of msticnb's displays and maps (hooks installed once)."""
    first = not _RECORDER
    _RECORDER[:] = [rec]
    nfs.nb_markdown = lambda *a, **k: _RECORDER[0].markdown(*a, **k)
    nfs.nb_warn = lambda *a, **k: _RECORDER[0].warn(*a, **k)
    nfs.nb_data_wait = lambda source: None
    nfs.display = lambda *a, **k: _RECORDER[0].display(*a, **k)
    if not first:
        return

    orig_init = foliummap.FoliumMap.__init__
    orig_add = foliummap.FoliumMap.add_ip_cluster

    def init(self, *args, **kwargs):
        orig_init(self, *args, **kwargs)
        self._harness_points = []
        _RECORDER[0].maps.append(self._harness_points)

    def add_ip_cluster(self, ip_entities, layer=None, **kwargs):
        ents = list(ip_entities)
        before = len(self.locations)
        orig_add(self, ents, layer=layer, **kwargs)
        placed = self.locations[before:]
        # add_ip_cluster places, in order, the entities with numeric coordinates.
        i = 0
        for ent in ents:
            loc = ent.Location
            lat = getattr(loc, "Latitude", None) if loc is not None else None
            lon = getattr(loc, "Longitude", None) if loc is not None else None
            ok = isinstance(lat, (int, float)) and isinstance(lon, (int, float)) and not (math.isnan(lat) or math.isnan(lon))
            point = {"ip": str(ent.Address), "color": kwargs.get("color", ""), "placed": bool(ok)}
            if ok:
                point["lat"], point["lon"] = placed[i]
                i += 1
            self._harness_points.append(point)

    foliummap.FoliumMap.__init__ = init
    foliummap.FoliumMap.add_ip_cluster = add_ip_cluster


# ---------------------------------------------------------------- patches

# Minimal source patches to msticnb's own functions, applied only when a case
# asks for them (or auto_patch after the crash they fix), so the outputs after
# a crash can still be compared. Each is (function name, old text, new text).
PATCHES: dict[str, tuple[str, str, str]] = {
    # network_flow_summary.py _get_flow_summary: `if col.apply(get_ip_type).unique()
    # != ["Private"]:` compares a numpy array with a list element-wise; with two or
    # more address types in the column the `if` raises "The truth value of an array
    # with more than one element is ambiguous". Compare lists instead.
    "mixed-ip-types": ("_get_flow_summary", '.apply(get_ip_type).unique() != ["Private"]', '.apply(get_ip_type).unique().tolist() != ["Private"]'),
}


def apply_patch(name: str) -> None:
    func_name, old, new = PATCHES[name]
    import inspect

    func = getattr(nfs, func_name)
    while hasattr(func, "__wrapped__"):
        func = func.__wrapped__
    src = inspect.getsource(func)
    if old not in src:
        raise RuntimeError(f"patch {name}: {old!r} not in {func_name}")
    lines = src.replace(old, new).splitlines()
    # Drop decorators (set_text is re-applied around the new function below).
    while lines and lines[0].lstrip().startswith("@"):
        lines.pop(0)
    ns: dict[str, Any] = {}
    code = compile("\n".join(lines), f"{MSTICNB_FILE} (patched: {name})", "exec")
    exec(code, nfs.__dict__, ns)  # noqa: S102 - msticnb's own source with one comparison changed
    patched = ns[func_name]
    key = {"_get_flow_summary": "get_flow_summary"}.get(func_name)
    if key:
        patched = nfs.set_text(docs=nfs._CELL_DOCS, key=key)(patched)
    setattr(nfs, func_name, patched)


_ORIGINALS = {name: getattr(nfs, spec[0]) for name, spec in PATCHES.items()}


def reset_patches() -> None:
    for name, spec in PATCHES.items():
        setattr(nfs, spec[0], _ORIGINALS[name])


# ---------------------------------------------------------------- running


def crash_info(err: BaseException) -> dict:
    """The exception and the innermost msticnb line on its traceback."""
    frames = traceback.extract_tb(err.__traceback__)
    where = None
    for fr in frames:
        if "/msticnb/" in fr.filename or "patched:" in fr.filename:
            where = fr
    info: dict[str, Any] = {"type": type(err).__name__, "message": str(err).splitlines()[0] if str(err) else ""}
    if where is not None:
        info["file"] = where.filename.split("site-packages/")[-1]
        info["line"] = where.lineno
        info["function"] = where.name
        info["code"] = (where.line or "").strip()
    return info


def jsonable(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple, set)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if hasattr(v, "item"):
        return jsonable(v.item())
    if hasattr(v, "tolist"):
        return jsonable(v.tolist())
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.isoformat()
    return str(v)


def frame_rows(df: pd.DataFrame | None, cols: list[str] | None = None) -> list[dict] | None:
    if df is None:
        return None
    if hasattr(df, "data") and not isinstance(df, pd.DataFrame):  # a Styler
        df = df.data
    if cols:
        df = df[[c for c in cols if c in df.columns]]
    return [{k: jsonable(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def file_time_range(path: str) -> tuple[str, str]:
    df = pd.read_csv(path, usecols=["FlowStartTime"])
    t = pd.to_datetime(df["FlowStartTime"], utc=True, format="ISO8601")
    if t.empty:
        return "2019-02-12T00:00:00Z", "2019-02-13T00:00:00Z"
    return t.min().isoformat(), (t.max() + pd.Timedelta(seconds=1)).isoformat()


QUERY_YAML = """metadata:
  version: 1
  description: NetworkFlowSummary harness flows
  data_environments: [LocalData]
  data_families: [Network]
sources:
  list_azure_network_flows_by_ip:
    description: flows by IP (the harness's flow file)
    metadata:
      data_families: [Network]
    args:
      query: {name}
  list_azure_network_flows_by_host:
    description: flows by host (the harness's flow file)
    metadata:
      data_families: [Network]
    args:
      query: {name}
"""


def kql_time_filter(src: Path, dst: Path, start: str, end: str) -> tuple[int, int]:
    """Copies the rows of src that msticpy's KQL keeps (FlowStartTime >= start and
    FlowEndTime <= end: kql_sent_net.yaml's azure_network_base_query) to dst, verbatim.
    LocalData has no query language: it returns the whole file. Returns (rows, kept)."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    rows = kept = 0
    with open(src, newline="", encoding="utf-8") as fin, open(dst, "w", newline="", encoding="utf-8") as fout:
        r, w = csv.reader(fin), csv.writer(fout, lineterminator="\n")
        head = next(r)
        w.writerow(head)
        i_start, i_end = head.index("FlowStartTime"), head.index("FlowEndTime")
        for rec in r:
            rows += 1
            if pd.Timestamp(rec[i_start]) >= lo and pd.Timestamp(rec[i_end]) <= hi:
                kept += 1
                w.writerow(rec)
    return rows, kept


def make_notebooklet(case: dict, work: Path):
    flows = Path(case["flows"]).resolve()
    data_dir = work / "data"
    data_dir.mkdir()
    start, end = case.get("start"), case.get("end")
    if not (start and end):
        start, end = file_time_range(str(flows))
    if case.get("kql_time_filter") and case.get("start"):
        filtered = data_dir / flows.name
        case["_rows_in_file"], case["_rows_kept"] = kql_time_filter(flows, filtered, start, end)
        flows = filtered
    else:
        (data_dir / flows.name).symlink_to(flows)
    qdir = work / "queries"
    qdir.mkdir()
    (qdir / "flows.yaml").write_text(QUERY_YAML.format(name=flows.name))
    geo_dir = work / "geo"
    geo_dir.mkdir()
    (geo_dir / "GeoLite2-City.mmdb").symlink_to(Path(case["city_db"]).resolve())

    qry = QueryProvider("LocalData", data_paths=[str(data_dir)], query_paths=[str(qdir)])
    # DataProviders is a singleton keyed by its arguments; a new work dir per case
    # gives a new instance.
    dprov = DataProviders(query_provider=qry, providers=[], harness=str(work))
    geo = GeoLiteLookup(db_folder=str(geo_dir), auto_update=False)
    ti = TILookup(providers=[])
    if case.get("ti_file"):
        ti.add_provider(LocalIndicators(case["ti_file"]), name="LocalIndicators", primary=True)
    dprov.providers["geolitelookup"] = geo
    dprov.providers["tilookup"] = ti
    foliummap._GEO_LITE = geo
    patch_whois(ASNDatabase(case["asn_db"]), keep_rate_limit=bool(case.get("keep_rate_limit")))
    from msticpy.common.timespan import TimeSpan

    return nfs.NetworkFlowSummary(data_providers=dprov), TimeSpan(start=start, end=end)


def run_case(case: dict, patches: list[str]) -> dict:
    reset_patches()
    for p in patches:
        apply_patch(p)
    rec = Recorder()
    install_recorder(rec)
    out: dict[str, Any] = {"patches": patches, "steps": {}}
    with tempfile.TemporaryDirectory(prefix="msticnb-harness-") as tmp, contextlib.redirect_stdout(io.StringIO()) as printed:
        nbk, span = make_notebooklet(case, Path(tmp))
        out["timespan"] = {"start": span.start.isoformat(), "end": span.end.isoformat()}
        if "_rows_in_file" in case:
            out["kql_time_filter"] = {"rows_in_file": case.pop("_rows_in_file"), "rows_kept": case.pop("_rows_kept")}

        def step(name, fn):
            t0, shown = time.perf_counter(), len(rec.displayed)
            try:
                fn()
                out["steps"][name] = {"ok": True}
            except Exception as err:  # noqa: BLE001 - a crash is a result here
                out["steps"][name] = {"ok": False, "crash": crash_info(err)}
            out["steps"][name]["seconds"] = round(time.perf_counter() - t0, 3)
            out["steps"][name]["displayed"] = rec.displayed[shown:]
            return out["steps"][name]["ok"]

        res_box: dict[str, Any] = {}

        def run():
            res_box["res"] = nbk.run(value=case["value"], timespan=span, options=case.get("options"), silent=case.get("silent", False))

        ok = step("run", run)
        out["options"] = sorted(nbk.options)
        res = res_box.get("res") or getattr(nbk, "_last_result", None)
        if res is not None:
            flows_df = res.network_flows
            out["flows_total"] = None if flows_df is None else len(flows_df)
            out["flow_index"] = frame_rows(res.flow_index)
            # The raw per-record source/dest pairs (flow_index_data), which the maps
            # and the TI join use; the grouped flow index drops NaN keys.
            fid = res.flow_index_data
            out["flow_pairs"] = None if fid is None or not len(fid) else frame_rows(fid[["source", "dest"]].drop_duplicates())
            out["flow_summary"] = frame_rows(
                res.flow_summary, ["DestASN", "SourceASN", "TotalAllowedFlows", "L7Protocols", "source_ips", "dest_ips"]
            )
            out["asn_columns"] = None if res.flow_summary is None else [c for c in ("DestASN", "SourceASN") if c in res.flow_summary.columns]
            host = res.host_entity
            out["host"] = {
                "HostName": getattr(host, "HostName", None),
                "IpAddress": str(getattr(getattr(host, "IpAddress", None), "Address", "") or "") or None,
            }
        out["geo_map_all"] = rec.maps[0] if (ok and rec.maps and res is not None and res.geo_map is not None) else None

        if ok and res is not None and res.flow_summary is not None:
            if step("select_asns", nbk.select_asns) and nbk.asn_selector is not None:
                sel = nbk.asn_selector
                out["default_asn_selection"] = {"all": jsonable(sel.src_items), "default": jsonable(sel.selected_items)}
                choice = case.get("select", "default")
                if choice == "all":
                    chosen = list(sel.src_items)
                elif choice == "default":
                    chosen = list(sel.selected_items)
                else:
                    chosen = list(choice)
                nbk.asn_selector = SimpleNamespace(selected_items=chosen)
                out["selected_asns"] = jsonable(chosen)
                if case.get("lookup_ti"):
                    if step("lookup_ti_for_asn_ips", nbk.lookup_ti_for_asn_ips):
                        ti_df = nbk._last_result.ti_results
                        out["ti_results"] = frame_rows(
                            ti_df,
                            ["source", "dest", "L7Protocol", "FlowDirection", "TotalAllowedFlows", "Ioc", "IocType", "Provider", "Result", "Severity", "Details"],
                        )
                n_maps = len(rec.maps)
                map_box: dict[str, Any] = {}

                def show_map():
                    map_box["map"] = nbk.show_selected_asn_map()

                if step("show_selected_asn_map", show_map):
                    out["geo_map_selected"] = rec.maps[n_maps] if len(rec.maps) > n_maps and map_box.get("map") is not None else None
        out["messages"] = rec.messages
        out["displayed"] = rec.displayed
        found = [m for m in rec.messages if m.startswith("Found ") and m.endswith(" unique IP Addresses.")]
        out["unique_ips"] = int(found[0].split()[1]) if found else None
        sel_msg = [m for m in rec.messages if m.endswith(" unique IPs in selected ASNs")]
        out["selected_unique_ips"] = int(sel_msg[0].split()[0]) if sel_msg else None
        del printed
    return out


def bench(flows: str, asn_db: str, city_db: str, value: str) -> int:
    """scripts/bench.sh's msticnb run: run(options=["flow_summary"]) on FLOWS, as ours
    runs `--options flow_summary`, whois answered from ASN_DB. The sample-shaped bench
    data has inbound and outbound flows, so run() needs the mixed-ip-types patch."""
    case = {"name": "bench", "flows": flows, "value": value, "asn_db": asn_db, "city_db": city_db,
            "options": ["flow_summary"], "silent": True}
    res = run_case(case, ["mixed-ip-types"])
    step = res["steps"]["run"]
    if not step["ok"]:
        print(f"msticnb run() failed: {step['crash']}", file=sys.stderr)
        return 1
    print(f"msticnb run(): flows={res['flows_total']} index_rows={len(res['flow_index'] or [])} "
          f"asn_groups={len(res['flow_summary'] or [])} unique_ips={res['unique_ips']} run_s={step['seconds']}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 6 and argv[1] == "--bench":
        return bench(*argv[2:6])
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    manifest = json.loads(Path(argv[1]).read_text())
    results: dict[str, Any] = {}
    for case in manifest["cases"]:
        patches = list(case.get("patches", []))
        res = run_case(case, patches)
        crashes = []
        while case.get("auto_patch"):
            crashed = [s for s in res["steps"].values() if not s["ok"]]
            fix = None
            for s in crashed:
                for name, (func, old, _) in PATCHES.items():
                    if name not in patches and s["crash"].get("function") == func and old in s["crash"].get("code", ""):
                        fix = name
            if not fix:
                break
            crashes.append({"before_patch": fix, "steps": res["steps"]})
            patches.append(fix)
            res = run_case(case, patches)
        res["crashes_fixed"] = crashes
        results[case["name"]] = res
    doc = {"msticnb": msticnb.__version__, "msticpy": msticpy.__version__, "pandas": pd.__version__, "cases": results}
    Path(argv[2]).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
