{{/* Labels of every object: the ones `plumb install --export` sets, and Helm's own. */}}
{{- define "plumb.labels" -}}
app.kubernetes.io/name: plumb
app.kubernetes.io/component: controller
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{/* The labels the Deployment selects its pods and the Service its endpoints by. */}}
{{- define "plumb.selectorLabels" -}}
app.kubernetes.io/name: plumb
app.kubernetes.io/component: controller
{{- end }}
