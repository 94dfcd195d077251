import PlumbCore

/// apps/v1 and batch/v1: pkg/apis/apps/v1/defaults.go and pkg/apis/batch/v1/defaults.go
/// (Kubernetes 1.36), with the pod template defaulted as core/v1 does.
extension Defaults {
    static func deployment(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            setDefault(&spec, "replicas", 1)
            edit(&spec, "template") { podTemplate(&$0) }
            edit(&spec, "strategy") { strategy in
                setDefault(&strategy, "type", "RollingUpdate")
                if strategy["type"]?.stringValue == "RollingUpdate" {
                    edit(&strategy, "rollingUpdate") { ru in
                        setDefault(&ru, "maxUnavailable", "25%")
                        setDefault(&ru, "maxSurge", "25%")
                    }
                }
            }
            setDefault(&spec, "revisionHistoryLimit", 10)
            setDefault(&spec, "progressDeadlineSeconds", 600)
        }
    }

    static func replicaSet(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            setDefault(&spec, "replicas", 1)
            edit(&spec, "template") { podTemplate(&$0) }
        }
    }

    static func statefulSet(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            setDefault(&spec, "replicas", 1)
            edit(&spec, "template") { podTemplate(&$0) }
            // Each claim template is a PersistentVolumeClaim to the defaulters.
            editEach(&spec, "volumeClaimTemplates") { persistentVolumeClaim(&$0) }
            setDefault(&spec, "podManagementPolicy", "OrderedReady")
            edit(&spec, "updateStrategy") { us in
                // rollingUpdate is made only when the type itself was defaulted; a partition is
                // defaulted in one that is there.
                if us["type"] == nil {
                    us["type"] = "RollingUpdate"
                    setDefault(&us, "rollingUpdate", .object(ValueObject()))
                }
                if us["type"]?.stringValue == "RollingUpdate" {
                    editIfPresent(&us, "rollingUpdate") { setDefault(&$0, "partition", 0) }
                }
            }
            setDefault(&spec, "revisionHistoryLimit", 10)
            edit(&spec, "persistentVolumeClaimRetentionPolicy") { p in
                setDefault(&p, "whenDeleted", "Retain")
                setDefault(&p, "whenScaled", "Retain")
            }
        }
    }

    static func daemonSet(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            edit(&spec, "template") { podTemplate(&$0) }
            edit(&spec, "updateStrategy") { us in
                setDefault(&us, "type", "RollingUpdate")
                if us["type"]?.stringValue == "RollingUpdate" {
                    edit(&us, "rollingUpdate") { ru in
                        setDefault(&ru, "maxUnavailable", 1)
                        setDefault(&ru, "maxSurge", 0)
                    }
                }
            }
            setDefault(&spec, "revisionHistoryLimit", 10)
        }
    }

    /// SetDefaults_Job; the Job takes its template's labels when it has none.
    static func job(_ o: inout ValueObject) {
        if let labels = o[path: "spec", "template", "metadata", "labels"]?.objectValue,
            (o[path: "metadata", "labels"]?.objectValue ?? ValueObject()).isEmpty
        {
            edit(&o, "metadata") { $0["labels"] = .object(labels) }
        }
        edit(&o, "spec") { spec in
            if spec["completions"] == nil && spec["parallelism"] == nil { spec["completions"] = 1 }
            setDefault(&spec, "parallelism", 1)
            // With a limit per index the global one is effectively off.
            let perIndex = spec["backoffLimitPerIndex"] != nil
            setDefault(&spec, "backoffLimit", perIndex ? .int(Int64(Int32.max)) : 6)
            setDefault(&spec, "completionMode", "NonIndexed")
            setDefault(&spec, "suspend", false)
            let failurePolicy = spec["podFailurePolicy"] != nil
            setDefault(&spec, "podReplacementPolicy", failurePolicy ? "Failed" : "TerminatingOrFailed")
            edit(&spec, "template") { podTemplate(&$0) }
        }
    }

    /// SetDefaults_CronJob. The job template's JobSpec is not a Job to the defaulters: only its
    /// pod template is defaulted (no backoffLimit, completions or suspend in it).
    static func cronJob(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            setDefault(&spec, "concurrencyPolicy", "Allow")
            setDefault(&spec, "suspend", false)
            setDefault(&spec, "successfulJobsHistoryLimit", 3)
            setDefault(&spec, "failedJobsHistoryLimit", 1)
            edit(&spec, "jobTemplate") { jt in
                edit(&jt, "spec") { edit(&$0, "template") { podTemplate(&$0) } }
            }
        }
    }
}
