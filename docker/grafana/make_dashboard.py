"""Writes dashboards/inference-service.json, the provisioned Grafana dashboard of the inference service.

The JSON is generated so that every panel has the same shape and the layout stays a simple grid; edit the panel
list below and run `python3 docker/grafana/make_dashboard.py` rather than editing the JSON by hand. Every query is checked
on a real Prometheus scraping the service's /metrics by
tests/InferenceService.Api.Tests/Telemetry/GrafanaDashboardTests.cs: each must return data after its scripted traffic.
"""
import json
import pathlib

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
MODEL = 'model=~"$model"'
RATE = "$__rate_interval"


def target(expr, legend, ref):
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref, "range": True}


def panel(title, description, unit, exprs, width=12, kind="timeseries", decimals=None, min_zero=True, max_value=None):
    defaults = {"unit": unit}
    if min_zero:
        defaults["min"] = 0
    if max_value is not None:
        defaults["max"] = max_value
    if decimals is not None:
        defaults["decimals"] = decimals
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]},
                    "tooltip": {"mode": "multi", "sort": "desc"}},
        "targets": [target(e, legend, chr(ord("A") + i)) for i, (e, legend) in enumerate(exprs)],
        "_width": width,
    }


def quantiles(metric, by, label_prefix="", extra=""):
    selector = f"{MODEL}{extra}"
    return [(f"histogram_quantile({q}, sum by (le, {by}) (rate({metric}_bucket{{{selector}}}[{RATE}])))",
             f"{label_prefix}p{int(q * 100)} {{{{{by.replace(', ', '}} {{')}}}}}") for q in (0.5, 0.95, 0.99)]


rows = [
    ("Traffic", [
        panel("Throughput", "Inference requests answered per second, by model, version and outcome.", "reqps",
              [(f"sum by (model, version, outcome) (rate(inference_requests_total{{{MODEL}}}[{RATE}]))",
                "{{model}} v{{version}} {{outcome}}")]),
        panel("Errors", "Share of requests that did not succeed, by model and outcome.", "percentunit",
              [(f'sum by (model, outcome) (rate(inference_requests_total{{{MODEL}, outcome!="success"}}[{RATE}]))'
                f" / ignoring(outcome) group_left sum by (model) (rate(inference_requests_total{{{MODEL}}}[{RATE}]))",
                "{{model}} {{outcome}}")]),
    ]),
    ("Latency", [
        panel("Request latency", "Percentiles of the whole request (successful ones), by model.", "s",
              quantiles("inference_request_duration_seconds", "model", extra=', outcome="success"')),
        panel("Where the time goes (p95)", "95th percentile of each stage: queue, pre-processing, Run, post-processing.", "s",
              [(f"histogram_quantile(0.95, sum by (le, model) (rate(inference_{stage}_duration_seconds_bucket{{{MODEL}}}[{RATE}])))",
                f"{stage} {{{{model}}}}") for stage in ("queue", "preprocess", "compute", "postprocess")]),
    ]),
    ("Queue and batching", [
        panel("Queue depth", "Requests admitted and waiting for a Run, and requests in flight (waiting or running).", "short",
              [(f"sum by (model, version) (inference_queue_depth{{{MODEL}}})", "queued {{model}} v{{version}}"),
               (f"sum by (model, version) (inference_in_flight{{{MODEL}}})", "in flight {{model}} v{{version}}")], width=8),
        panel("Batch size", "Rows per Run: median, 95th percentile and mean.", "short",
              quantiles("inference_batch_size", "model")[:2] +
              [(f"sum by (model) (rate(inference_batch_size_sum{{{MODEL}}}[{RATE}])) / sum by (model) (rate(inference_batch_size_count{{{MODEL}}}[{RATE}]))",
                "mean {{model}}")], width=8),
        panel("Rows inferred", "Rows per second through successful Runs, by model.", "short",
              [(f"sum by (model) (rate(inference_rows_total{{{MODEL}}}[{RATE}]))", "{{model}}")], width=8),
    ]),
    # Accuracy across replicas: the counters add up over pods (sum by), so the ratio of their rates is the whole
    # service's accuracy or error over the interval. The rolling-window gauges are each pod's view of the windows: with
    # Accuracy:Store=redis every pod reports the same service-wide windows, so max by collapses them into one line.
    ("Accuracy", [
        panel("Accuracy, all replicas", "Share of scored rows predicted right over the interval, summed over every pod, by model, version and output.", "percentunit",
              [(f"sum by (model, version, output) (rate(inference_scored_correct_total{{{MODEL}}}[{RATE}]))"
                f" / sum by (model, version, output) (rate(inference_scored_rows_total{{{MODEL}}}[{RATE}]))",
                "{{model}} v{{version}} {{output}}")], width=6, max_value=1),
        panel("Rolling accuracy", "Accuracy over each rolling window of predictions with feedback (service-wide with Accuracy:Store=redis, where every pod reports the same windows).", "percentunit",
              [(f"max by (model, version, output, window) (inference_accuracy{{{MODEL}}})", "{{model}} v{{version}} {{output}} {{window}}")], width=6, max_value=1),
        panel("Regression error, all replicas", "Mean absolute error and root mean squared error over the interval, summed over every pod.", "none",
              [(f"sum by (model, version, output) (rate(inference_scored_absolute_error_total{{{MODEL}}}[{RATE}]))"
                f" / sum by (model, version, output) (rate(inference_scored_values_total{{{MODEL}}}[{RATE}]))",
                "MAE {{model}} v{{version}} {{output}}"),
               (f"sqrt(sum by (model, version, output) (rate(inference_scored_squared_error_total{{{MODEL}}}[{RATE}]))"
                f" / sum by (model, version, output) (rate(inference_scored_values_total{{{MODEL}}}[{RATE}])))",
                "RMSE {{model}} v{{version}} {{output}}")], width=6),
        panel("Rolling regression error", "Mean absolute error and root mean squared error over each rolling window (service-wide with Accuracy:Store=redis).", "none",
              [(f"max by (model, version, output, window) (inference_mae{{{MODEL}}})", "MAE {{model}} v{{version}} {{output}} {{window}}"),
               (f"max by (model, version, output, window) (inference_rmse{{{MODEL}}})", "RMSE {{model}} v{{version}} {{output}} {{window}}")], width=6),
    ]),
    ("Batch jobs", [
        panel("Batch job rows", "Rows of batch jobs processed per second, by model and outcome (succeeded, failed).", "short",
              [(f"sum by (model, outcome) (rate(inference_job_rows_total{{{MODEL}}}[{RATE}]))", "{{model}} {{outcome}}")]),
        panel("Batch jobs by status", "Jobs queued, running, succeeded, failed and cancelled in the job store.", "short",
              [("sum by (status) (inference_jobs)", "{{status}}")]),
    ]),
    ("Models and process", [
        panel("Model versions by state", "Model versions loading, ready and failed.", "short",
              [(f"sum by (state) (inference_model_state{{{MODEL}}})", "{{state}}")], width=8),
        panel("Model load time", "How long the last load of each version took.", "s",
              [(f"inference_model_load_duration_seconds{{{MODEL}}}", "{{model}} v{{version}}")], width=8),
        panel("Process", "Working set of the service process and its managed heap after the last collection.", "bytes",
              [("dotnet_process_memory_working_set_bytes", "working set"),
               ("sum(dotnet_gc_last_collection_heap_size_bytes)", "GC heap after last collection")], width=8),
    ]),
]

panels = []
y = 0
next_id = 1
for title, row_panels in rows:
    panels.append({"type": "row", "title": title, "collapsed": False, "id": next_id,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
    next_id += 1
    y += 1
    x = 0
    for p in row_panels:
        width = p.pop("_width")
        p["id"] = next_id
        next_id += 1
        p["gridPos"] = {"h": 8, "w": width, "x": x, "y": y}
        x += width
        panels.append(p)
    y += 8

dashboard = {
    "uid": "inference-service",
    "title": "InferenceService",
    "description": "Throughput, latency, queueing, batching, accuracy, batch jobs and model state of the inference service.",
    "tags": ["inference", "onnx"],
    "timezone": "browser",
    "schemaVersion": 39,
    "version": 1,
    "editable": False,
    "graphTooltip": 1,
    "refresh": "10s",
    "time": {"from": "now-1h", "to": "now"},
    "templating": {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
         "current": {"text": "Prometheus", "value": "prometheus"}, "hide": 0},
        {"name": "model", "label": "Model", "type": "query", "datasource": DATASOURCE,
         "query": {"query": "label_values(inference_model_state, model)", "refId": "models"},
         "definition": "label_values(inference_model_state, model)",
         "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2, "sort": 1,
         "current": {"text": "All", "value": "$__all"}, "hide": 0},
    ]},
    "annotations": {"list": []},
    "panels": panels,
}

out = pathlib.Path(__file__).parent / "dashboards" / "inference-service.json"
out.write_text(json.dumps(dashboard, indent=2) + "\n", encoding="utf-8")
print(f"wrote {out}")
