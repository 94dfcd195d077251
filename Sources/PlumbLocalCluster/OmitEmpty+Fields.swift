// How kube-apiserver v1.36 writes the fields of the built-in kinds, taken by hand from the Go API
// types of Kubernetes 1.36 (kubernetes/kubernetes staging/src/k8s.io/api/{core,apps,batch,
// networking,policy,autoscaling/v2,admissionregistration,rbac,scheduling,storage}/v1/types.go,
// staging/src/k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/types.go,
// staging/src/k8s.io/kube-aggregator/pkg/apis/apiregistration/v1/types.go and
// staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go). The server decodes a body into those
// Go structs and encodes them back with encoding/json, so a field's JSON tag decides what comes out.
//
// One line per type, named as `BuiltinSchema+Types.swift` names it; a field is listed only when its
// tag makes it special (a field not listed is a pointer or struct with `omitempty`: left as sent,
// but dropped when null):
//   name    a non-pointer string, bool, number, slice or map with `omitempty`: dropped when it holds
//           its zero value ("", false, 0, [] or {}), as encoding/json omits it
//   name!   a non-pointer scalar without `omitempty`: always written, its zero value when absent
//   name~   a pointer, slice, map or metav1.Time without `omitempty`: written as null when absent
//   name+   a non-pointer struct: always written, {} when absent (omitempty never omits a struct)
//   name%   a non-pointer resource.Quantity: always written, "0" when absent
// `metadata.creationTimestamp` is `omitempty,omitzero` in 1.36: a null one is dropped.
extension OmitEmpty {
    static let release = "v1.36"
    static let text = #"""
V1PersistentVolumeClaimVolumeSource readOnly claimName!
V1PersistentVolumeSpec capacity accessModes persistentVolumeReclaimPolicy storageClassName mountOptions
V1PersistentVolumeStatus phase message reason
V1PersistentVolumeClaimSpec accessModes volumeName resources+
V1TypedObjectReference apiGroup~ kind! name!
V1ModifyVolumeStatus targetVolumeAttributesClassName status!
V1PersistentVolumeClaimCondition type! status! lastProbeTime~ lastTransitionTime~ reason message
V1PersistentVolumeClaimStatus phase accessModes capacity conditions allocatedResources allocatedResourceStatuses
V1PersistentVolume spec+ status+
V1PersistentVolumeClaim spec+ status+
V1HostPathVolumeSource path!
V1EmptyDirVolumeSource medium
V1GlusterfsVolumeSource endpoints! path! readOnly
V1GlusterfsPersistentVolumeSource endpoints! path! readOnly
V1RBDVolumeSource monitors~ image! fsType pool user keyring readOnly
V1RBDPersistentVolumeSource monitors~ image! fsType pool user keyring readOnly
V1CinderVolumeSource volumeID! fsType readOnly
V1CinderPersistentVolumeSource volumeID! fsType readOnly
V1CephFSVolumeSource monitors~ path user secretFile readOnly
V1SecretReference name namespace
V1CephFSPersistentVolumeSource monitors~ path user secretFile readOnly
V1FlockerVolumeSource datasetName datasetUUID
V1GCEPersistentDiskVolumeSource pdName! fsType partition readOnly
V1QuobyteVolumeSource registry! volume! readOnly user group tenant
V1FlexPersistentVolumeSource driver! fsType readOnly options
V1FlexVolumeSource driver! fsType readOnly options
V1AWSElasticBlockStoreVolumeSource volumeID! fsType partition readOnly
V1GitRepoVolumeSource repository! revision directory
V1SecretVolumeSource secretName items
V1SecretProjection name items
V1NFSVolumeSource server! path! readOnly
V1ISCSIVolumeSource targetPortal! iqn! lun! iscsiInterface fsType readOnly portals chapAuthDiscovery chapAuthSession
V1ISCSIPersistentVolumeSource targetPortal! iqn! lun! iscsiInterface fsType readOnly portals chapAuthDiscovery chapAuthSession
V1FCVolumeSource targetWWNs fsType readOnly wwids
V1AzureFileVolumeSource secretName! shareName! readOnly
V1AzureFilePersistentVolumeSource secretName! shareName! readOnly secretNamespace~
V1VsphereVirtualDiskVolumeSource volumePath! fsType storagePolicyName storagePolicyID
V1PhotonPersistentDiskVolumeSource pdID! fsType
V1AzureDiskVolumeSource diskName! diskURI!
V1PortworxVolumeSource volumeID! fsType readOnly
V1ScaleIOVolumeSource gateway! system! secretRef~ sslEnabled protectionDomain storagePool storageMode volumeName fsType readOnly
V1ScaleIOPersistentVolumeSource gateway! system! secretRef~ sslEnabled protectionDomain storagePool storageMode volumeName fsType readOnly
V1StorageOSVolumeSource volumeName volumeNamespace fsType readOnly
V1StorageOSPersistentVolumeSource volumeName volumeNamespace fsType readOnly
V1ConfigMapVolumeSource name items
V1ConfigMapProjection name items
V1ServiceAccountTokenProjection audience path!
V1ClusterTrustBundleProjection path!
V1ProjectedVolumeSource sources~
V1KeyToPath key! path!
V1LocalVolumeSource path!
V1CSIPersistentVolumeSource driver! volumeHandle! readOnly fsType volumeAttributes
V1CSIVolumeSource driver! volumeAttributes
V1PersistentVolumeClaimTemplate metadata+ spec+
V1ContainerPort name hostPort containerPort! protocol hostIP
V1VolumeMount name! readOnly mountPath! subPath subPathExpr
V1VolumeDevice name! devicePath!
V1EnvVar name! value
V1ObjectFieldSelector apiVersion fieldPath!
V1ResourceFieldSelector containerName resource! divisor%
V1ConfigMapKeySelector name key!
V1SecretKeySelector name key!
V1EnvFromSource prefix
V1ConfigMapEnvSource name
V1SecretEnvSource name
V1HTTPHeader name! value!
V1HTTPGetAction path host scheme httpHeaders
V1TCPSocketAction host
V1GRPCAction port! service~
V1ExecAction command
V1SleepAction seconds!
V1Probe initialDelaySeconds timeoutSeconds periodSeconds successThreshold failureThreshold
V1ContainerResizePolicy resourceName! restartPolicy!
V1Capabilities add drop
V1ResourceRequirements limits requests claims
V1VolumeResourceRequirements limits requests
CoreV1ResourceClaim name!
V1Container name! image command args workingDir ports envFrom env resources+ resizePolicy volumeMounts volumeDevices terminationMessagePath terminationMessagePolicy imagePullPolicy stdin stdinOnce tty
V1ContainerStateWaiting reason message
V1ContainerStateRunning startedAt~
V1ContainerStateTerminated exitCode! signal reason message startedAt~ finishedAt~ containerID
V1ContainerStatus name! state+ lastState+ ready! restartCount! image! imageID! containerID allocatedResources
V1PodCondition type! status! lastProbeTime~ lastTransitionTime~ reason message
V1NodeSelector nodeSelectorTerms~
V1NodeSelectorTerm matchExpressions matchFields
V1NodeSelectorRequirement key! operator! values
V1TopologySelectorTerm matchLabelExpressions
V1TopologySelectorLabelRequirement key! values~
V1PodAffinity requiredDuringSchedulingIgnoredDuringExecution preferredDuringSchedulingIgnoredDuringExecution
V1PodAntiAffinity requiredDuringSchedulingIgnoredDuringExecution preferredDuringSchedulingIgnoredDuringExecution
V1WeightedPodAffinityTerm weight! podAffinityTerm+
V1PodAffinityTerm namespaces topologyKey! matchLabelKeys mismatchLabelKeys
V1NodeAffinity preferredDuringSchedulingIgnoredDuringExecution
V1PreferredSchedulingTerm weight! preference+
V1Taint key! value effect!
V1Toleration key operator value effect
V1PodReadinessGate conditionType!
V1PodSpec volumes initContainers containers~ ephemeralContainers restartPolicy dnsPolicy nodeSelector serviceAccountName serviceAccount nodeName hostNetwork hostPID hostIPC imagePullSecrets hostname subdomain schedulerName tolerations hostAliases priorityClassName readinessGates overhead topologySpreadConstraints schedulingGates resourceClaims
V1PodResourceClaim name!
V1PodResourceClaimStatus name!
V1PodOS name!
V1PodSchedulingGate name!
V1TopologySpreadConstraint maxSkew! topologyKey! whenUnsatisfiable! matchLabelKeys
V1HostAlias ip hostnames
V1PodSecurityContext supplementalGroups sysctls
V1SeccompProfile type!
V1PodDNSConfig nameservers searches options
V1PodDNSConfigOption name
V1PodIP ip
V1HostIP ip
V1EphemeralContainer name! image command args workingDir ports envFrom env resources+ resizePolicy volumeMounts volumeDevices terminationMessagePath terminationMessagePolicy imagePullPolicy stdin stdinOnce tty targetContainerName
V1PodStatus phase conditions message reason nominatedNodeName hostIP hostIPs podIP podIPs initContainerStatuses containerStatuses qosClass ephemeralContainerStatuses resize resourceClaimStatuses
V1Pod metadata+ spec+ status+
V1PodTemplateSpec metadata+ spec+
V1PodTemplate metadata+ template+
V1ReplicationControllerSpec minReadySeconds selector
V1ReplicationControllerStatus replicas! fullyLabeledReplicas readyReplicas availableReplicas observedGeneration conditions
V1ReplicationControllerCondition type! status! lastTransitionTime~ reason message
V1ReplicationController metadata+ spec+ status+
V1ServiceStatus loadBalancer+ conditions
V1LoadBalancerStatus ingress
V1LoadBalancerIngress ip hostname ports
V1ServiceSpec ports selector clusterIP clusterIPs type externalIPs sessionAffinity loadBalancerIP loadBalancerSourceRanges externalName externalTrafficPolicy healthCheckNodePort publishNotReadyAddresses ipFamilies
V1ServicePort name protocol port! nodePort
V1Service metadata+ spec+ status+
V1ServiceAccount secrets imagePullSecrets
V1Endpoints subsets
V1EndpointSubset addresses notReadyAddresses ports
V1EndpointAddress ip! hostname
CoreV1EndpointPort name port! protocol
V1NodeSpec podCIDR podCIDRs providerID unschedulable taints externalID
V1ConfigMapNodeConfigSource namespace! name! uid resourceVersion kubeletConfigKey!
V1DaemonEndpoint Port!
V1NodeDaemonEndpoints kubeletEndpoint+
V1Node metadata+ spec+ status+
V1NamespaceSpec finalizers
V1NamespaceStatus phase conditions
V1NamespaceCondition type! status! lastTransitionTime~ reason message
V1Namespace metadata+ spec+ status+
V1Binding target+
V1ObjectReference kind namespace name uid apiVersion resourceVersion fieldPath
V1LocalObjectReference name
V1TypedLocalObjectReference apiGroup~ kind! name!
V1EventSource component host
CoreV1Event involvedObject+ reason message source+ firstTimestamp~ lastTimestamp~ count type eventTime~ action reportingComponent! reportingInstance!
CoreV1EventSeries count lastObservedTime~
V1LimitRangeItem type! max min default defaultRequest maxLimitRequestRatio
V1LimitRangeSpec limits~
V1LimitRange spec+
V1ResourceQuotaSpec hard scopes
V1ScopeSelector matchExpressions
V1ScopedResourceSelectorRequirement scopeName! operator! values
V1ResourceQuotaStatus hard used
V1ResourceQuota spec+ status+
V1Secret data stringData type
V1ConfigMap data binaryData
V1DownwardAPIVolumeSource items
V1DownwardAPIVolumeFile path!
V1DownwardAPIProjection items
V1SELinuxOptions user role type level
V1Sysctl name! value!
V1FileKeySelector volumeName! path! key!
V1StatefulSet metadata+ spec+ status+
V1StatefulSetUpdateStrategy type
V1StatefulSetPersistentVolumeClaimRetentionPolicy whenDeleted whenScaled
V1StatefulSetOrdinals start!
V1StatefulSetSpec selector~ template+ volumeClaimTemplates podManagementPolicy updateStrategy+ minReadySeconds
V1StatefulSetStatus observedGeneration replicas! readyReplicas currentReplicas updatedReplicas currentRevision updateRevision conditions availableReplicas!
V1StatefulSetCondition type! status! lastTransitionTime~ reason message
V1Deployment metadata+ spec+ status+
V1DeploymentSpec selector~ template+ strategy+ minReadySeconds paused
V1DeploymentStrategy type
V1DeploymentStatus observedGeneration replicas updatedReplicas readyReplicas availableReplicas unavailableReplicas conditions
V1DeploymentCondition type! status! lastUpdateTime~ lastTransitionTime~ reason message
V1DaemonSetUpdateStrategy type
V1DaemonSetSpec selector~ template+ updateStrategy+ minReadySeconds
V1DaemonSetStatus currentNumberScheduled! numberMisscheduled! desiredNumberScheduled! numberReady! observedGeneration updatedNumberScheduled numberAvailable numberUnavailable conditions
V1DaemonSetCondition type! status! lastTransitionTime~ reason message
V1DaemonSet metadata+ spec+ status+
V1ReplicaSet metadata+ spec+ status+
V1ReplicaSetSpec minReadySeconds selector~ template+
V1ReplicaSetStatus replicas! fullyLabeledReplicas readyReplicas availableReplicas observedGeneration conditions
V1ReplicaSetCondition type! status! lastTransitionTime~ reason message
V1ControllerRevision revision!
V1Job metadata+ spec+ status+
V1PodFailurePolicyOnExitCodesRequirement containerName~ operator! values~
V1PodFailurePolicyOnPodConditionsPattern type! status!
V1PodFailurePolicyRule action! onExitCodes~ onPodConditions~
V1PodFailurePolicy rules~
V1JobSpec template+
V1JobStatus conditions active succeeded failed completedIndexes
V1UncountedTerminatedPods succeeded failed
V1JobCondition type! status! lastProbeTime~ lastTransitionTime~ reason message
V1JobTemplateSpec metadata+ spec+
V1CronJob metadata+ spec+ status+
V1CronJobSpec schedule! concurrencyPolicy jobTemplate+
V1CronJobStatus active
V1NetworkPolicy metadata+ spec+
V1NetworkPolicySpec podSelector+ ingress egress policyTypes
V1NetworkPolicyIngressRule ports from
V1NetworkPolicyEgressRule ports to
V1IPBlock cidr! except
V1Ingress metadata+ spec+ status+
V1IngressSpec tls rules
V1IngressTLS hosts secretName
V1IngressStatus loadBalancer+
V1IngressLoadBalancerStatus ingress
V1IngressLoadBalancerIngress ip hostname ports
V1IngressPortStatus port! protocol!
V1IngressRule host
V1HTTPIngressRuleValue paths~
V1HTTPIngressPath path pathType~ backend+
V1IngressServiceBackend name! port+
V1ServiceBackendPort name number
V1IngressClass metadata+ spec+
V1IngressClassSpec controller
V1IngressClassParametersReference kind! name! scope~
V1ValidatingWebhookConfiguration webhooks
V1MutatingWebhookConfiguration webhooks
V1ValidatingWebhook name! clientConfig+ rules sideEffects~ admissionReviewVersions~ matchConditions
V1MutatingWebhook name! clientConfig+ rules sideEffects~ admissionReviewVersions~ matchConditions
V1RuleWithOperations operations apiGroups apiVersions resources
AdmissionregistrationV1WebhookClientConfig caBundle
AdmissionregistrationV1ServiceReference namespace! name!
V1MatchCondition name! expression!
V1PodDisruptionBudget metadata+ spec+ status+
V1PodDisruptionBudgetStatus observedGeneration disruptedPods disruptionsAllowed! currentHealthy! desiredHealthy! expectedPods! conditions
V2HorizontalPodAutoscaler metadata+ spec+ status+
V2HorizontalPodAutoscalerSpec scaleTargetRef+ maxReplicas! metrics
V2CrossVersionObjectReference kind! name! apiVersion
V2MetricSpec type!
V2ResourceMetricSource name! target+
V2ContainerResourceMetricSource name! target+ container!
V2PodsMetricSource metric+ target+
V2ObjectMetricSource describedObject+ target+ metric+
V2ExternalMetricSource metric+ target+
V2MetricIdentifier name!
V2MetricTarget type!
V2HPAScalingRules policies
V2HPAScalingPolicy type! value! periodSeconds!
V2HorizontalPodAutoscalerStatus currentReplicas desiredReplicas! currentMetrics~ conditions
V2HorizontalPodAutoscalerCondition type! status! lastTransitionTime~ reason message
V2MetricStatus type!
V1Role rules~
V1ClusterRole rules~
V1PolicyRule verbs~ apiGroups resources resourceNames nonResourceURLs
V1AggregationRule clusterRoleSelectors
RbacV1Subject kind! apiGroup name! namespace
V1RoleRef apiGroup! kind! name!
V1RoleBinding subjects roleRef+
V1ClusterRoleBinding subjects roleRef+
V1APIService metadata+ spec+ status+
V1APIServiceSpec service~ group version insecureSkipTLSVerify caBundle groupPriorityMinimum! versionPriority!
ApiregistrationV1ServiceReference namespace name
V1APIServiceStatus conditions
V1APIServiceCondition type! status! lastTransitionTime~ reason message
V1PriorityClass value! globalDefault description
V1StorageClass provisioner! parameters mountOptions allowedTopologies
V1ObjectMeta name generateName namespace selfLink uid resourceVersion generation labels annotations ownerReferences finalizers managedFields
V1LabelSelector matchLabels matchExpressions
V1LabelSelectorRequirement key! operator! values
V1OwnerReference apiVersion! kind! name! uid!
V1ManagedFieldsEntry manager operation apiVersion fieldsType subresource
V1Condition type! status! observedGeneration lastTransitionTime~ reason! message!
V1CustomResourceDefinition metadata+ spec+ status+
V1CustomResourceDefinitionSpec group! names+ scope! versions~ preserveUnknownFields
V1CustomResourceDefinitionNames plural! singular shortNames kind! listKind categories
V1CustomResourceDefinitionVersion name! served! storage! deprecated additionalPrinterColumns selectableFields
V1CustomResourceDefinitionStatus conditions~ acceptedNames+ storedVersions~ observedGeneration
V1CustomResourceDefinitionCondition type! status! lastTransitionTime~ reason message observedGeneration
"""#
}
