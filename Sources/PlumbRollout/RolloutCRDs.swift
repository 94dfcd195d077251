// Copies of charts/plumb/crds/rolloutstrategies.plumb.dev.yaml and rolloutanalyses.plumb.dev.yaml;
// RolloutCRDTests keeps them equal to the files.

/// The CRDs of the rollout kinds, as the chart ships them.
public enum RolloutCRDs {
    /// The RolloutStrategy CRD.
    public static let rolloutStrategyYAML = #"""
# The RolloutStrategy resource of plumb.dev: how a new pod template of one Deployment reaches
# production (canary steps or blue/green). Helm installs it from crds/; `plumb install` prints it
# (Sources/PlumbRollout/RolloutCRDs.swift holds a copy that a test keeps equal to this file).
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: rolloutstrategies.plumb.dev
  labels:
    app.kubernetes.io/name: plumb
    app.kubernetes.io/component: crd
spec:
  group: plumb.dev
  scope: Namespaced
  names:
    kind: RolloutStrategy
    listKind: RolloutStrategyList
    plural: rolloutstrategies
    singular: rolloutstrategy
    shortNames:
      - rs-plumb
    categories:
      - plumb
  versions:
    - name: v1alpha1
      served: true
      storage: true
      subresources:
        status: {}
      additionalPrinterColumns:
        - name: Target
          type: string
          jsonPath: .spec.targetRef.name
        - name: Phase
          type: string
          jsonPath: .status.rollout.phase
        - name: Step
          type: integer
          jsonPath: .status.rollout.step
        - name: Weight
          type: integer
          jsonPath: .status.rollout.weight
        - name: Revision
          type: string
          jsonPath: .status.rollout.revision
        - name: Age
          type: date
          jsonPath: .metadata.creationTimestamp
      schema:
        openAPIV3Schema:
          type: object
          required: [spec]
          properties:
            apiVersion:
              type: string
            kind:
              type: string
            metadata:
              type: object
            spec:
              type: object
              required: [targetRef, strategy]
              properties:
                targetRef:
                  description: The Deployment rolled out, in the same namespace.
                  type: object
                  required: [name]
                  properties:
                    apiVersion:
                      type: string
                    kind:
                      type: string
                    name:
                      type: string
                strategy:
                  type: object
                  properties:
                    canary:
                      type: object
                      required: [steps]
                      properties:
                        stableService:
                          type: string
                        canaryService:
                          type: string
                        trafficRouting:
                          description: none (the replica ratio) when empty; else one of gatewayAPI, nginx, istio.
                          type: object
                          properties:
                            gatewayAPI:
                              type: object
                              required: [httpRoute]
                              properties:
                                httpRoute:
                                  type: string
                            nginx:
                              type: object
                              required: [stableIngress]
                              properties:
                                stableIngress:
                                  type: string
                            istio:
                              type: object
                              required: [virtualService]
                              x-kubernetes-preserve-unknown-fields: true
                        steps:
                          type: array
                          items:
                            type: object
                            properties:
                              setWeight:
                                type: integer
                                minimum: 0
                                maximum: 100
                              pause:
                                type: object
                                properties:
                                  duration:
                                    x-kubernetes-int-or-string: true
                              analysis:
                                type: object
                                properties:
                                  templates:
                                    type: array
                                    items:
                                      type: object
                                      required: [templateName]
                                      properties:
                                        templateName:
                                          type: string
                                  args:
                                    type: array
                                    items:
                                      type: object
                                      required: [name]
                                      properties:
                                        name:
                                          type: string
                                        value:
                                          type: string
                    blueGreen:
                      type: object
                      required: [activeService]
                      properties:
                        activeService:
                          type: string
                        previewService:
                          type: string
                        scaleDownDelaySeconds:
                          type: integer
                          minimum: 0
                        prePromotionAnalysis:
                          type: object
                          properties:
                            templates:
                              type: array
                              items:
                                type: object
                                required: [templateName]
                                properties:
                                  templateName:
                                    type: string
                            args:
                              type: array
                              items:
                                type: object
                                required: [name]
                                properties:
                                  name:
                                    type: string
                                  value:
                                    type: string
            status:
              type: object
              properties:
                rollout:
                  description: Where the rollout is (written by Plumb).
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
"""#

    /// The RolloutAnalysis CRD.
    public static let rolloutAnalysisYAML = #"""
# The RolloutAnalysis resource of plumb.dev: the metrics an analysis step of a RolloutStrategy
# measures (Argo Rollouts' AnalysisTemplate, under a name of its own). Helm installs it from
# crds/; Sources/PlumbRollout/RolloutCRDs.swift holds a copy that a test keeps equal to this file.
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: rolloutanalyses.plumb.dev
  labels:
    app.kubernetes.io/name: plumb
    app.kubernetes.io/component: crd
spec:
  group: plumb.dev
  scope: Namespaced
  names:
    kind: RolloutAnalysis
    listKind: RolloutAnalysisList
    plural: rolloutanalyses
    singular: rolloutanalysis
    categories:
      - plumb
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          required: [spec]
          properties:
            apiVersion:
              type: string
            kind:
              type: string
            metadata:
              type: object
            spec:
              type: object
              required: [metrics]
              properties:
                args:
                  type: array
                  items:
                    type: object
                    required: [name]
                    properties:
                      name:
                        type: string
                      value:
                        type: string
                metrics:
                  type: array
                  items:
                    type: object
                    required: [name, provider]
                    properties:
                      name:
                        type: string
                      interval:
                        x-kubernetes-int-or-string: true
                      count:
                        type: integer
                        minimum: 1
                      failureLimit:
                        type: integer
                        minimum: 0
                      inconclusiveLimit:
                        type: integer
                        minimum: 0
                      successCondition:
                        type: string
                      failureCondition:
                        type: string
                      thresholdRange:
                        type: object
                        properties:
                          min:
                            type: number
                          max:
                            type: number
                      provider:
                        description: One of prometheus, web, job; the provider's fields as documented in docs/rollouts.md.
                        type: object
                        x-kubernetes-preserve-unknown-fields: true
"""#

    /// Both, as the chart's file names have them.
    public static let files: [(name: String, yaml: String)] = [
        ("rolloutstrategies.plumb.dev.yaml", rolloutStrategyYAML), ("rolloutanalyses.plumb.dev.yaml", rolloutAnalysisYAML),
    ]
}
