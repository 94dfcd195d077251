import Mustache

/// The pages' Mustache templates, compiled once. `{{x}}` escapes every value for HTML; the
/// templates never use `{{{x}}}` or `{{& x}}`, so nothing from the cluster, a repository or a
/// commit becomes markup. Scripts and styles are separate files (`Assets`), so the
/// Content-Security-Policy needs no `unsafe-inline`.
enum Templates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in sources {
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("template \(name): \(error)")
            }
        }
        return library
    }()

    /// Renders the page `name` with `context` (dictionaries, arrays and strings).
    static func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    static let sources: [String: String] = [
        "head": head, "foot": foot, "apps": apps, "appsTop": appsTop, "appsRows": appsRows, "appsBottom": appsBottom, "app": app, "node": node, "record": record, "login": login,
        "error": error, "rollout": rollout, "rollouts": rollouts, "nodes": nodes,
    ]

    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Plumb</title>
        <link rel="stylesheet" href="{{base}}/static/plumb.css">
        <script src="{{base}}/static/plumb.js" defer></script>
        </head>
        <body data-base="{{base}}" data-page="{{page}}">
        <header class="top">
        <a class="brand" href="{{base}}/">Plumb</a>
        <nav><a href="{{base}}/">Applications</a> <a href="{{base}}/rollouts">Rollouts</a> <a href="{{base}}/nodes">Nodes</a></nav>
        <span class="live" id="live" title="live updates">○ offline</span>
        {{#user}}<span class="user">{{name}}</span>
        {{#logout}}<form method="post" action="{{base}}/logout" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Log out</button></form>{{/logout}}
        {{/user}}
        </header>
        <main>
        {{#flash}}<p class="flash" role="status">{{.}}</p>{{/flash}}
        """

    static let foot = """
        </main>
        </body>
        </html>
        """

    /// The applications page: `appsTop`, the rows, `appsBottom`; the page streams them in
    /// that order (the head and filters go out before the rows are rendered).
    static let apps = """
        {{> appsTop}}
        {{> appsRows}}
        {{> appsBottom}}
        """

    static let appsTop = """
        {{> head}}
        <h1>Applications</h1>
        <form class="filters" method="get" action="{{base}}/">
        <label>Namespace <select name="namespace">
        <option value="">all</option>
        {{#namespaces}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/namespaces}}
        </select></label>
        <label>Status <select name="status">
        {{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}
        </select></label>
        <label>Search <input type="search" name="q" value="{{query}}" placeholder="name, repository, path"></label>
        <button type="submit">Filter</button>
        </form>
        <p class="count">{{shown}} of {{total}} Applications</p>
        <table class="apps" id="apps">
        <thead><tr><th>Name</th><th>Namespace</th><th>Repository and path</th><th>Revision</th><th>Sync</th><th>Health</th><th>Last sync</th></tr></thead>
        <tbody>

        """

    static let appsRows = """
        {{#apps}}
        <tr data-key="{{key}}"><td><a href="{{base}}/apps/{{namespace}}/{{name}}">{{name}}</a>{{#suspended}} <span class="tag">suspended</span>{{/suspended}}</td><td>{{namespace}}</td><td class="repo">{{repo}} <span class="path">{{path}}</span></td><td><code data-field="revision">{{revision}}</code> <span data-field="subject">{{subject}}</span></td><td class="status sync-{{syncClass}}" data-field="sync">{{syncIcon}} {{sync}}</td><td class="status health-{{healthClass}}" data-field="health">{{healthIcon}} {{health}}</td><td data-field="lastSync">{{lastSync}}</td></tr>
        {{/apps}}

        """

    static let appsBottom = """
        {{^apps}}<tr><td colspan="7" class="empty">No Applications match.</td></tr>{{/apps}}
        </tbody>
        </table>
        {{> foot}}
        """

    static let app = """
        {{> head}}
        <div class="app" data-key="{{key}}">
        <h1>{{name}} <small>{{namespace}}</small></h1>
        <section class="summary">
        <dl>
        <dt>Source</dt><dd>{{repo}} <span class="path">{{path}}</span> at {{sourceRevision}}</dd>
        <dt>Destination</dt><dd>namespace {{destination}}</dd>
        <dt>Policy</dt><dd>{{policy}}{{#interval}}, every {{.}}{{/interval}}</dd>
        <dt>Revision</dt><dd><code data-field="revision">{{revision}}</code> <span data-field="subject">{{subject}}</span></dd>
        <dt>Sync</dt><dd><span class="status sync-{{syncClass}}" data-field="sync">{{syncIcon}} {{sync}}</span></dd>
        <dt>Health</dt><dd><span class="status health-{{healthClass}}" data-field="health">{{healthIcon}} {{health}}</span> <span data-field="healthMessage">{{healthMessage}}</span></dd>
        <dt>Last sync</dt><dd data-field="lastSync">{{lastSync}}</dd>
        </dl>
        <div class="actions">
        {{#actions}}
        <form method="post" action="{{base}}/apps/{{namespace}}/{{name}}/{{action}}" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" id="action-{{action}}">{{label}}</button>
        </form>
        {{/actions}}
        </div>
        </section>
        <section>
        <h2>Conditions</h2>
        <table class="conditions">
        <thead><tr><th>Type</th><th>Status</th><th>Reason</th><th>Since</th><th>Message</th></tr></thead>
        <tbody>
        {{#conditions}}<tr><td>{{type}}</td><td>{{status}}</td><td>{{reason}}</td><td>{{since}}</td><td>{{message}}</td></tr>{{/conditions}}
        {{^conditions}}<tr><td colspan="5" class="empty">None yet.</td></tr>{{/conditions}}
        </tbody>
        </table>
        </section>
        {{#hasRollouts}}
        <section>
        <h2>Rollouts</h2>
        {{#rolloutsError}}<p class="error">{{.}}</p>{{/rolloutsError}}
        {{#rollouts}}{{> rollout}}{{/rollouts}}
        </section>
        {{/hasRollouts}}
        <section>
        <h2>Resources</h2>
        {{#treeError}}<p class="error">{{.}}</p>{{/treeError}}
        <ul class="tree" id="tree">
        {{#tree}}{{> node}}{{/tree}}
        </ul>
        {{^tree}}<p class="empty">No managed objects yet.</p>{{/tree}}
        </section>
        <section>
        <h2>Diff</h2>
        {{#diffError}}<p class="error">{{.}}</p>{{/diffError}}
        {{#diff}}<pre class="diff" id="diff">{{.}}</pre>{{/diff}}
        </section>
        <section>
        <h2>History</h2>
        {{#historyError}}<p class="error">{{.}}</p>{{/historyError}}
        <table class="history" id="history">
        <thead><tr><th>ID</th><th>Started</th><th>Revision</th><th>Author</th><th>Message</th><th>By</th><th>Result</th><th>Changes</th><th>Duration</th></tr></thead>
        <tbody>
        {{#history}}
        <tr><td><a href="{{base}}/apps/{{namespace}}/{{name}}/history/{{id}}">#{{id}}</a></td><td>{{started}}</td><td><code>{{revision}}</code></td><td class="author">{{author}}</td><td class="message">{{subject}}</td><td>{{initiator}}</td><td><span class="status result-{{resultClass}}">{{result}}</span></td><td>{{changes}}</td><td>{{duration}}</td></tr>
        {{/history}}
        {{^history}}<tr><td colspan="9" class="empty">No records.</td></tr>{{/history}}
        </tbody>
        </table>
        </section>
        <section>
        <h2>Events</h2>
        {{#eventsError}}<p class="error">{{.}}</p>{{/eventsError}}
        <table class="events">
        <thead><tr><th>Type</th><th>Reason</th><th>Time</th><th>Message</th></tr></thead>
        <tbody>
        {{#events}}<tr><td>{{type}}</td><td>{{reason}}</td><td>{{time}}</td><td>{{message}}</td></tr>{{/events}}
        {{^events}}<tr><td colspan="4" class="empty">No events.</td></tr>{{/events}}
        </tbody>
        </table>
        </section>
        </div>
        {{> foot}}
        """

    /// One object of the resource tree and, nested, what it owns.
    static let node = """
        <li class="node" data-kind="{{kind}}"><span class="kind">{{kind}}</span> <span class="name">{{name}}</span>{{#sync}} <span class="status sync-{{syncClass}}">{{syncIcon}} {{sync}}</span>{{/sync}}{{#health}} <span class="status health-{{healthClass}}">{{healthIcon}} {{health}}</span>{{/health}}{{#message}} <span class="message">{{.}}</span>{{/message}}
        {{#hasChildren}}<ul>{{#children}}{{> node}}{{/children}}</ul>{{/hasChildren}}
        </li>
        """

    /// One rollout: phase, step k of n, weights, the steps, the analysis measurements with
    /// their verdicts, and the buttons its state allows (each a form with the CSRF token).
    static let rollout = """
        <div class="rollout" data-rollout="{{key}}">
        <h3>RolloutStrategy {{key}}{{#target}} <small>→ {{.}}</small>{{/target}}</h3>
        <dl>
        <dt>Application</dt><dd><a href="{{base}}/apps/{{appNamespace}}/{{appName}}">{{appKey}}</a></dd>
        {{#strategy}}<dt>Strategy</dt><dd>{{.}}{{#router}}, router {{.}}{{/router}}</dd>{{/strategy}}
        <dt>Phase</dt><dd><span class="status phase-{{phaseClass}}" data-field="phase">{{phaseIcon}} {{phase}}</span></dd>
        <dt>Revision</dt><dd><code>{{revision}}</code></dd>
        <dt>Step</dt><dd data-field="step">{{step}}</dd>
        <dt>Weight</dt><dd data-field="weight">canary {{canaryWeight}}% / stable {{stableWeight}}%{{#replicas}} ({{.}}){{/replicas}}</dd>
        {{#message}}<dt>Message</dt><dd data-field="message">{{.}}</dd>{{/message}}
        {{#command}}<dt>Requested</dt><dd>{{.}}, not yet carried out</dd>{{/command}}
        <dt>Updated</dt><dd>{{updated}}</dd>
        </dl>
        {{#hasSteps}}
        <ol class="steps">
        {{#steps}}<li class="step-{{state}}" data-state="{{state}}">{{text}} <span class="tag">{{state}}</span></li>{{/steps}}
        </ol>
        {{/hasSteps}}
        <h4>Analysis</h4>
        <table class="analysis">
        <thead><tr><th>Metric</th><th>Verdict</th><th>Value</th><th>Threshold</th><th>Against the threshold</th><th>Message</th><th>Measured</th></tr></thead>
        <tbody>
        {{#measurements}}<tr><td>{{metric}}</td><td><span class="status verdict-{{verdictClass}}">{{verdict}}</span></td><td><code>{{value}}</code></td><td>{{threshold}}</td><td>{{#chart}}<svg class="chart" viewBox="0 0 {{width}} 16" width="{{width}}" height="16" role="img" aria-label="{{value}} against {{threshold}}"><rect class="track" x="0" y="7" width="{{width}}" height="2"/>{{#band}}<rect class="band" x="{{x}}" y="4" width="{{w}}" height="8"/>{{/band}}{{#bounds}}<line class="bound" x1="{{x}}" x2="{{x}}" y1="1" y2="15"/>{{/bounds}}{{#marks}}<circle class="mark verdict-{{verdictClass}}" cx="{{x}}" cy="8" r="4"/>{{/marks}}</svg>{{/chart}}</td><td class="message">{{message}}</td><td>{{at}}</td></tr>{{/measurements}}
        {{^hasMeasurements}}<tr><td colspan="7" class="empty">No analysis has run yet.</td></tr>{{/hasMeasurements}}
        </tbody>
        </table>
        <div class="actions">
        {{#actions}}
        <form method="post" action="{{base}}/apps/{{appNamespace}}/{{appName}}/rollouts/{{rolloutNamespace}}/{{rolloutName}}/{{command}}" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" id="rollout-{{command}}-{{rolloutName}}">{{label}}</button>
        </form>
        {{/actions}}
        </div>
        </div>
        """

    static let rollouts = """
        {{> head}}
        <h1>Rollouts</h1>
        {{#rolloutErrors}}<p class="error">{{.}}</p>{{/rolloutErrors}}
        <p class="count">{{count}} rollouts</p>
        {{#rollouts}}{{> rollout}}{{/rollouts}}
        {{^rollouts}}<p class="empty">No rollout has run in the Applications you may list.</p>{{/rollouts}}
        {{> foot}}
        """

    static let nodes = """
        {{> head}}
        <h1>Nodes</h1>
        {{#nodesNote}}<p class="empty">{{.}}</p>{{/nodesNote}}
        {{#configs}}
        <section class="nodeconfig" data-nodeconfig="{{name}}">
        <h2>NodeConfig {{name}}</h2>
        <dl>
        <dt>Revision</dt><dd><code>{{revision}}</code></dd>
        <dt>Selects</dt><dd>{{selector}}</dd>
        <dt>Max unavailable</dt><dd>{{maxUnavailable}}</dd>
        <dt>Pool</dt><dd><span class="status pool-{{poolClass}}" data-field="pool">{{pool}}</span> {{summary}}</dd>
        </dl>
        <table class="nodes">
        <thead><tr><th>Node</th><th>Revision applied</th><th>Phase</th><th>State</th><th>Changed</th><th>Since</th><th>Message / last error</th></tr></thead>
        <tbody>
        {{#nodes}}<tr data-node="{{node}}"><td>{{node}}</td><td><code>{{nodeRevision}}</code>{{#behind}} <span class="tag">older</span>{{/behind}}</td><td>{{phase}}</td><td><span class="status state-{{stateClass}}">{{state}}</span></td><td>{{changed}}</td><td>{{since}}</td><td class="message">{{#error}}{{.}}{{/error}}</td></tr>{{/nodes}}
        {{^nodes}}<tr><td colspan="7" class="empty">No node agent has reported yet.</td></tr>{{/nodes}}
        </tbody>
        </table>
        </section>
        {{/configs}}
        {{^configs}}{{^nodesNote}}<p class="empty">No NodeConfigs.</p>{{/nodesNote}}{{/configs}}
        {{> foot}}
        """

    static let record = """
        {{> head}}
        <h1>Record #{{id}} <small>{{app}}</small></h1>
        <dl class="record">
        <dt>Kind</dt><dd>{{kind}}</dd>
        <dt>Result</dt><dd><span class="status result-{{resultClass}}">{{result}}</span>{{#error}} {{.}}{{/error}}</dd>
        <dt>Revision</dt><dd><code>{{revision}}</code></dd>
        <dt>Author</dt><dd class="author">{{author}}</dd>
        <dt>Message</dt><dd><pre class="message" id="message">{{message}}</pre></dd>
        <dt>Signature</dt><dd>{{signature}}</dd>
        <dt>Initiator</dt><dd>{{initiator}}</dd>
        <dt>Started</dt><dd>{{started}}</dd>
        <dt>Duration</dt><dd>{{duration}}</dd>
        <dt>Target</dt><dd>{{target}}</dd>
        <dt>Repository</dt><dd>{{repo}}</dd>
        </dl>
        <h2>Objects</h2>
        <table class="objects">
        <thead><tr><th>Object</th><th>Action</th><th>Changed fields</th><th>Health</th><th>Error</th></tr></thead>
        <tbody>
        {{#objects}}<tr><td>{{ref}}</td><td>{{action}}</td><td>{{paths}}</td><td>{{health}}</td><td>{{error}}</td></tr>{{/objects}}
        {{^objects}}<tr><td colspan="5" class="empty">No objects.</td></tr>{{/objects}}
        </tbody>
        </table>
        <p><a href="{{base}}/apps/{{namespace}}/{{name}}">Back to {{name}}</a></p>
        {{> foot}}
        """

    static let login = """
        {{> head}}
        <h1>Log in</h1>
        <form method="post" action="{{base}}/login" class="login">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="token">Kubernetes bearer token (a ServiceAccount token or an OIDC id token)</label>
        <textarea id="token" name="token" rows="4" autocomplete="off" spellcheck="false" required></textarea>
        <button type="submit" id="login">Log in</button>
        </form>
        <p class="hint">The token is checked with a TokenReview and never stored: the session keeps only who you are. Every page and action is then authorised for you with a SubjectAccessReview.</p>
        {{> foot}}
        """

    static let error = """
        {{> head}}
        <h1 class="error-title">{{code}} {{title}}</h1>
        <p class="error" id="error">{{message}}</p>
        <p><a href="{{base}}/">Applications</a></p>
        {{> foot}}
        """
}
