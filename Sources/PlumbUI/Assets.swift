/// The dashboard's stylesheet and script, served as files so the Content-Security-Policy can
/// forbid inline scripts and styles. Plain CSS and plain JavaScript: nothing is fetched from
/// elsewhere at run time.
enum Assets {
    static let css = """
        :root { --fg: #1d2329; --muted: #5b6670; --line: #d8dde2; --bg: #fafbfc; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --info: #0969da; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header.top { display: flex; gap: 1.2em; align-items: center; padding: .6em 1.2em; background: #24292f; color: #fff; }
        header.top a { color: #fff; text-decoration: none; }
        header.top .brand { font-weight: 700; font-size: 1.1em; }
        header.top .user { margin-left: auto; color: #d0d7de; }
        header.top .live { color: #d0d7de; font-size: .9em; }
        header.top .live.on { color: #7ee787; }
        header.top button { background: none; border: 1px solid #8c959f; color: #fff; border-radius: 4px; cursor: pointer; }
        main { padding: 1em 1.2em 3em; max-width: 1400px; }
        h1 small { color: var(--muted); font-weight: 400; font-size: .6em; }
        h2 { margin-top: 1.6em; font-size: 1.15em; border-bottom: 1px solid var(--line); padding-bottom: .2em; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; color: var(--muted); font-size: .9em; }
        td.empty, p.empty { color: var(--muted); font-style: italic; }
        code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
        .path { color: var(--muted); }
        .repo { word-break: break-all; }
        [data-field=subject], .message { color: var(--muted); }
        .tag { font-size: .8em; border: 1px solid var(--line); border-radius: 3px; padding: 0 .3em; color: var(--muted); }
        .status { white-space: nowrap; font-weight: 600; }
        .sync-synced, .health-healthy, .result-synced { color: var(--ok); }
        .sync-outofsync, .health-progressing, .result-started, .result-dry-run { color: var(--warn); }
        .health-degraded, .health-missing, .result-failed, .result-rejected, .result-interrupted { color: var(--bad); }
        .sync-unknown, .health-unknown { color: var(--muted); }
        .filters { display: flex; gap: 1em; align-items: end; flex-wrap: wrap; margin-bottom: .6em; }
        .filters label { display: flex; flex-direction: column; font-size: .85em; color: var(--muted); }
        .count { color: var(--muted); font-size: .9em; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .3em 1.2em; background: #fff; padding: .8em 1em; border: 1px solid var(--line); }
        dt { color: var(--muted); }
        dd { margin: 0; }
        .actions { margin: .8em 0; display: flex; gap: .6em; }
        .actions button, .filters button, .login button { padding: .35em .9em; border: 1px solid #8c959f; border-radius: 4px; background: #f6f8fa; cursor: pointer; }
        form.inline { display: inline; margin: 0; }
        ul.tree, ul.tree ul { list-style: none; padding-left: 1.4em; margin: .2em 0; }
        ul.tree { padding-left: 0; }
        ul.tree li { padding: .15em 0; }
        ul.tree ul { border-left: 1px dashed var(--line); }
        .kind { font-weight: 600; }
        pre.diff, pre.message { background: #fff; border: 1px solid var(--line); padding: .8em; overflow: auto; font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; }
        pre.message { margin: 0; color: var(--fg); }
        .error, .error-title { color: var(--bad); }
        .flash { background: #ddf4ff; border: 1px solid #54aeff; padding: .5em .8em; }
        .login textarea { width: 100%; max-width: 48em; display: block; margin: .4em 0 .8em; font: 12px ui-monospace, monospace; }
        .hint { color: var(--muted); max-width: 48em; }
        header.top nav a { margin-right: .8em; }
        .rollout { background: #fff; border: 1px solid var(--line); padding: .4em 1em .6em; margin: .8em 0; }
        .rollout h3 { margin: .4em 0; font-size: 1.05em; }
        .rollout h4 { margin: .8em 0 .3em; font-size: .95em; color: var(--muted); }
        .rollout dl { border: none; padding: .2em 0; }
        ol.steps { margin: .4em 0; padding-left: 1.6em; }
        ol.steps .step-done { color: var(--ok); }
        ol.steps .step-current { font-weight: 600; }
        ol.steps .step-pending { color: var(--muted); }
        ol.steps .step-failed { color: var(--bad); }
        svg.chart .track { fill: var(--line); }
        svg.chart .band { fill: #dafbe1; }
        svg.chart .bound { stroke: var(--muted); stroke-width: 1; }
        svg.chart .mark { fill: var(--muted); }
        svg.chart .mark.verdict-pass { fill: var(--ok); }
        svg.chart .mark.verdict-fail, svg.chart .mark.verdict-error { fill: var(--bad); }
        svg.chart .mark.verdict-inconclusive { fill: var(--warn); }
        .phase-healthy, .verdict-pass, .pool-done, .state-done { color: var(--ok); }
        .phase-progressing, .phase-paused, .verdict-inconclusive, .pool-inprogress, .state-inprogress { color: var(--warn); }
        .phase-degraded, .verdict-fail, .verdict-error, .pool-degradedpool, .state-failed, .state-degradedpool { color: var(--bad); }
        """

    /// Live updates: an `EventSource` on `/events` (the browser reconnects after a restart on
    /// its own; the server asks for 2 s) whose `app` events patch the rows and fields of the
    /// Application they name. Values are set as text (`textContent`), never as markup.
    static let js = """
        "use strict";
        (function () {
          var base = document.body.getAttribute("data-base") || "";
          var live = document.getElementById("live");
          function setLive(on) {
            if (!live) return;
            live.textContent = on ? "● live" : "○ reconnecting";
            live.className = on ? "live on" : "live";
          }
          function set(scope, field, text, cls) {
            var el = scope.querySelector('[data-field="' + field + '"]');
            if (!el) return;
            if (el.textContent !== text) el.textContent = text;
            if (cls !== undefined) el.className = cls;
          }
          function apply(a) {
            var scopes = document.querySelectorAll('[data-key]');
            for (var i = 0; i < scopes.length; i++) {
              if (scopes[i].getAttribute("data-key") !== a.key) continue;
              var s = scopes[i];
              set(s, "sync", a.syncIcon + " " + a.sync, "status sync-" + a.syncClass);
              set(s, "health", a.healthIcon + " " + a.health, "status health-" + a.healthClass);
              set(s, "revision", a.revision);
              set(s, "subject", a.subject);
              set(s, "lastSync", a.lastSync);
              set(s, "healthMessage", a.healthMessage);
            }
          }
          var page = document.body.getAttribute("data-page");
          if (!window.EventSource || (page !== "apps" && page !== "app")) return;
          var source = new EventSource(base + "/events");
          source.onopen = function () { setLive(true); };
          source.onerror = function () { setLive(false); };
          source.addEventListener("app", function (e) {
            try { apply(JSON.parse(e.data)); } catch (err) { /* a malformed event is skipped */ }
          });
        })();
        """
}
