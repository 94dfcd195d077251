// Generated from charts/plumb/crds/applications.plumb.dev.yaml; InstallChartTests keeps the two
// equal. Regenerate with: PLUMB_REGENERATE_CRD=1 swift test --filter InstallChartTests

extension InstallManifests {
    /// The Application CRD, exactly as charts/plumb/crds/applications.plumb.dev.yaml holds it.
    public static let applicationCRDYAML = #"""
# The Application resource of plumb.dev. This file is the one source of the CRD: Helm installs
# it from crds/, and `plumb install --export` prints it (Sources/PlumbController/
# InstallManifestsCRD.swift holds a copy that a test keeps equal to this file).
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: applications.plumb.dev
  labels:
    app.kubernetes.io/name: plumb
    app.kubernetes.io/component: crd
spec:
  group: plumb.dev
  scope: Namespaced
  names:
    kind: Application
    listKind: ApplicationList
    plural: applications
    singular: application
    shortNames:
      - app
    categories:
      - plumb
  versions:
    - name: v1alpha1
      served: true
      storage: true
      subresources:
        status: {}
      additionalPrinterColumns:
        - name: Revision
          type: string
          jsonPath: .status.sync.revision
        - name: Synced
          type: string
          jsonPath: .status.sync.status
        - name: Health
          type: string
          jsonPath: .status.health.status
        - name: Age
          type: date
          jsonPath: .metadata.creationTimestamp
        - name: Repo
          type: string
          priority: 1
          jsonPath: .spec.source.repoURL
        - name: Path
          type: string
          priority: 1
          jsonPath: .spec.source.path
        - name: Suspended
          type: boolean
          priority: 1
          jsonPath: .spec.suspend
      schema:
        openAPIV3Schema:
          type: object
          description: An Application keeps the objects of one path of a Git repository equal to the cluster.
          required:
            - spec
          properties:
            apiVersion:
              type: string
            kind:
              type: string
            metadata:
              type: object
            spec:
              type: object
              description: What to deploy, where, and how.
              required:
                - source
              properties:
                source:
                  type: object
                  description: The Git repository, revision and path the desired objects come from.
                  required:
                    - repoURL
                  properties:
                    repoURL:
                      type: string
                      minLength: 1
                      description: The repository to clone (https://, http://, ssh://, git@host:path or file://).
                    revision:
                      type: string
                      description: A branch, tag or commit SHA; empty means the remote's HEAD.
                    path:
                      type: string
                      default: "."
                      description: The directory of the repository that holds the manifests.
                    include:
                      type: array
                      description: Glob patterns of files to read (default every YAML and JSON file).
                      items:
                        type: string
                    exclude:
                      type: array
                      description: Glob patterns of files to leave out.
                      items:
                        type: string
                    secretRef:
                      type: object
                      description: >-
                        A Secret in the Application's namespace with the Git credentials: username and password,
                        bearerToken, or identity and known_hosts.
                      required:
                        - name
                      properties:
                        name:
                          type: string
                          minLength: 1
                    render:
                      type: object
                      description: >-
                        The renderer of the path and its arguments, as .plumb.yaml's render: takes them; without it
                        the path's .plumb.yaml or files decide (a kustomization, *.jsonnet, a plugin's detect glob, else
                        plain YAML/JSON). See docs/renderers.md.
                      properties:
                        kind:
                          type: string
                          enum:
                            - plain
                            - directory
                            - kustomize
                            - jsonnet
                            - plugin
                        plugin:
                          type: string
                          minLength: 1
                          description: A renderer plugin the operator declared (--plugin-config).
                        entry:
                          type: string
                          description: The Jsonnet entry file, relative to the path.
                        jpath:
                          type: array
                          description: Jsonnet library folders, relative to the path.
                          items:
                            type: string
                        extVars:
                          type: object
                          description: Jsonnet external variables (a string, or any other value as code).
                          x-kubernetes-preserve-unknown-fields: true
                        extCode:
                          type: object
                          description: Jsonnet external variables given as Jsonnet code.
                          additionalProperties:
                            type: string
                        tlas:
                          type: object
                          description: Jsonnet top-level arguments (a string, or any other value as code).
                          x-kubernetes-preserve-unknown-fields: true
                        tlaCode:
                          type: object
                          description: Jsonnet top-level arguments given as Jsonnet code.
                          additionalProperties:
                            type: string
                        parameters:
                          type: object
                          description: Values of the parameters the plugin declares (PARAM_<NAME> in its environment).
                          additionalProperties:
                            type: string
                destination:
                  type: object
                  description: Where the objects go.
                  properties:
                    namespace:
                      type: string
                      description: The namespace of objects that name none (default the Application's namespace).
                serviceAccountName:
                  type: string
                  description: The ServiceAccount of the Application's namespace whose permissions the sync has (the controller impersonates it); empty for the controller's own.
                interval:
                  type: string
                  default: 3m
                  pattern: ^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$
                  description: How often Git is polled and the live state re-checked, e.g. 30s, 3m, 1h.
                syncPolicy:
                  type: object
                  description: Whether and how the controller applies what Git holds.
                  properties:
                    automated:
                      type: boolean
                      default: false
                      description: Sync every new revision and every drift; when false only the status is kept.
                    prune:
                      type: boolean
                      default: false
                      description: Delete the Application's objects that left Git.
                    selfHeal:
                      type: boolean
                      default: false
                      description: Revert a change made to a managed object in the cluster as soon as it is seen.
                    rollbackOnFailure:
                      type: boolean
                      default: false
                      description: >-
                        When a sync fails after its first write (a failed wave), sync the previous synced revision
                        again (a rollback record linked to the failed one); the failed revision is not retried until
                        a newer commit or a manual sync.
                    revertCommitOnRollback:
                      type: boolean
                      default: false
                      description: >-
                        After an automatic rollback (a canary's, or rollbackOnFailure's), push a commit reverting the
                        synced commit to the source's branch (author Plumb <plumb@localhost>, the secretRef's credentials).
                    retry:
                      type: object
                      description: How a failed sync is retried before the next interval.
                      properties:
                        limit:
                          type: integer
                          format: int32
                          minimum: 0
                          default: 5
                          description: How many times a failed sync is retried (0 never).
                        backoff:
                          type: string
                          default: 5s
                          pattern: ^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$
                          description: The first wait; it doubles with each retry and is capped at the interval.
                    approval:
                      type: object
                      description: Hold each sync until an external endpoint approves its plan (docs/governance.md, Change management).
                      required: [url]
                      properties:
                        url:
                          type: string
                          pattern: ^https?://
                          description: Where the plan summary is POSTed.
                        timeout:
                          type: string
                          default: 1h
                          pattern: ^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$
                          description: How long a pending decision is waited for before the revision counts as not approved.
                        pollInterval:
                          type: string
                          default: 30s
                          pattern: ^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$
                          description: How often a pending decision is asked for again.
                        secretRef:
                          type: object
                          description: A Secret in the Application's namespace holding the HMAC-SHA256 key that signs the request.
                          required: [name]
                          properties:
                            name:
                              type: string
                            key:
                              type: string
                              default: secret
                    windows:
                      type: array
                      description: When automated syncs may run (Argo CD's sync windows).
                      items:
                        type: object
                        required: [kind, schedule, duration]
                        properties:
                          kind:
                            type: string
                            enum: [allow, deny]
                          schedule:
                            type: string
                            description: A five-field cron expression (minute hour day-of-month month day-of-week).
                          duration:
                            type: string
                            description: How long the window stays open after each start (30m, 8h, 1d).
                          timeZone:
                            type: string
                            description: An IANA time zone; UTC when absent.
                          manualSync:
                            type: boolean
                            default: false
                            description: Whether a manual sync may run while this window blocks automated ones.
                suspend:
                  type: boolean
                  default: false
                  description: Stop reconciling this Application (no fetch, no sync) until set back to false.
                wait:
                  type: boolean
                  default: false
                  description: After applying, wait until every applied object is healthy.
                timeout:
                  type: string
                  default: 5m
                  pattern: ^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$
                  description: How long wait (and CRD establishment) may take.
                ignoreDifferences:
                  type: array
                  description: Fields left out of every comparison, with the same rules .plumb.yaml takes.
                  items:
                    type: object
                    required:
                      - jsonPointers
                    properties:
                      group:
                        type: string
                      kind:
                        type: string
                      name:
                        type: string
                      namespace:
                        type: string
                      jsonPointers:
                        type: array
                        minItems: 1
                        items:
                          type: string
                          pattern: ^(/.*)?$
                notify:
                  type: object
                  description: Commit statuses on the forge for every revision synced (pending, then success or failure).
                  required:
                    - forge
                    - repository
                    - tokenSecretRef
                  properties:
                    forge:
                      type: string
                      enum:
                        - github
                        - gitlab
                        - gitea
                        - bitbucket
                    baseURL:
                      type: string
                      pattern: ^https?://
                      description: The forge's API address (GitHub Enterprise, self-managed GitLab, Gitea); default the public service.
                    repository:
                      type: string
                      minLength: 1
                      description: owner/name (GitLab project path or ID, Bitbucket workspace/slug).
                    tokenSecretRef:
                      type: object
                      description: The Secret in the Application's namespace holding the forge token.
                      required:
                        - name
                      properties:
                        name:
                          type: string
                          minLength: 1
                        key:
                          type: string
                          default: token
                previews:
                  type: boolean
                  default: false
                  description: Plan every open pull request into the source's branch against the live cluster (no write) and keep its comment and plumb/<app>/preview status current; needs notify.
            status:
              type: object
              description: What the controller observed and did.
              properties:
                observedGeneration:
                  type: integer
                  format: int64
                sync:
                  type: object
                  properties:
                    status:
                      type: string
                      enum:
                        - Synced
                        - OutOfSync
                        - Unknown
                    revision:
                      type: string
                      description: The commit SHA the comparison was made against.
                health:
                  type: object
                  properties:
                    status:
                      type: string
                      enum:
                        - Healthy
                        - Progressing
                        - Degraded
                        - Missing
                        - Unknown
                    message:
                      type: string
                lastSyncedRevision:
                  type: string
                lastAttemptedRevision:
                  type: string
                lastAuditID:
                  type: integer
                  format: int64
                lastHandledReconcileAt:
                  type: string
                  description: >-
                    The value of the plumb.dev/reconcile-at annotation the last finished reconcile saw
                    (`plumb app sync --wait` waits for it, as `flux reconcile` waits for lastHandledReconcileAt).
                rolledBackRevision:
                  type: string
                  description: A revision whose sync failed and was rolled back (syncPolicy.rollbackOnFailure); not synced again until a newer commit or a manual sync. Empty when none.
                conditions:
                  type: array
                  description: Ready, Reconciling and Stalled, in the shape of metav1.Condition.
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys:
                    - type
                  items:
                    type: object
                    required:
                      - type
                      - status
                      - lastTransitionTime
                      - reason
                      - message
                    properties:
                      type:
                        type: string
                        maxLength: 316
                        pattern: ^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$
                      status:
                        type: string
                        enum:
                          - "True"
                          - "False"
                          - Unknown
                      observedGeneration:
                        type: integer
                        format: int64
                        minimum: 0
                      lastTransitionTime:
                        type: string
                        format: date-time
                      reason:
                        type: string
                        minLength: 1
                        maxLength: 1024
                        pattern: ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$
                      message:
                        type: string
                        maxLength: 32768
                resources:
                  type: array
                  description: Each managed object, its sync status and health.
                  items:
                    type: object
                    required:
                      - kind
                      - name
                    properties:
                      group:
                        type: string
                      version:
                        type: string
                      kind:
                        type: string
                      namespace:
                        type: string
                      name:
                        type: string
                      status:
                        type: string
                        enum:
                          - Synced
                          - OutOfSync
                          - Unknown
                      health:
                        type: string
                        enum:
                          - Healthy
                          - Progressing
                          - Degraded
                          - Missing
                          - Unknown
                      message:
                        type: string
"""#
}
