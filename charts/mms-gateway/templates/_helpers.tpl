{{/* Chart name, shortened to the 63 characters Kubernetes names allow. */}}
{{- define "mms-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart unless the release name already contains the chart name. */}}
{{- define "mms-gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "mms-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every resource. */}}
{{- define "mms-gateway.labels" -}}
helm.sh/chart: {{ include "mms-gateway.chart" . }}
{{ include "mms-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the gateway's pods. */}}
{{- define "mms-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mms-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The container image reference. */}}
{{- define "mms-gateway.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}

{{/*
A scalar as an environment variable value: whole numbers without an exponent (YAML numbers arrive as
float64, and 1500000 would otherwise print as 1.5e+06), booleans as true/false, everything else as text.
*/}}
{{- define "mms-gateway.envValue" -}}
{{- if kindIs "float64" . }}
{{- if eq . (floor .) }}{{ printf "%.0f" . }}{{ else }}{{ . }}{{ end }}
{{- else }}
{{- . | toString }}
{{- end }}
{{- end }}

{{/*
Flattens a map into KEY: "value" lines in ASP.NET Core's environment form (":" written "__"):
dict "prefix" "Gateway__Streams" "value" (map) -> Gateway__Streams__demo__Source: "mms://...".
Nested maps recurse; lists become __0, __1, ...; null values are left out.
*/}}
{{- define "mms-gateway.flattenEnv" -}}
{{- $prefix := .prefix }}
{{- range $k, $v := .value }}
{{- $key := printf "%s__%s" $prefix $k }}
{{- if not (regexMatch "^[-._a-zA-Z0-9]+$" $key) }}
{{- fail (printf "mms-gateway: %q is not usable as an environment variable name (use letters, digits, '-', '_', '.')" $key) }}
{{- end }}
{{- if kindIs "map" $v }}
{{- include "mms-gateway.flattenEnv" (dict "prefix" $key "value" $v) }}
{{- else if kindIs "slice" $v }}
{{- range $i, $item := $v }}
{{ printf "%s__%d" $key $i }}: {{ include "mms-gateway.envValue" $item | quote }}
{{- end }}
{{- else if not (kindIs "invalid" $v) }}
{{ $key }}: {{ include "mms-gateway.envValue" $v | quote }}
{{- end }}
{{- end }}
{{- end }}
