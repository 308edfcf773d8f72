{{/* _helpers.tpl - names, labels and the image reference the templates share. */}}

{{- define "vigil.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "vigil.fullname" -}}
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

{{- define "vigil.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "vigil.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vigil.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "vigil.labels" -}}
helm.sh/chart: {{ include "vigil.chart" . }}
{{ include "vigil.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "vigil.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vigil.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "vigil.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.registry }}
{{- printf "%s/%s:%s" .Values.image.registry .Values.image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* The outputs of vigil.yaml, from .Values.outputs (credentials excluded). */}}
{{- define "vigil.outputs" -}}
{{- $o := .Values.outputs }}
{{- $spool := $o.spool }}
{{- $out := dict }}
{{- if $o.kafka.enabled }}
{{- if not $o.kafka.brokers }}{{ fail "outputs.kafka.brokers is required (a list of host:port)" }}{{ end }}
{{- $k := dict "type" "kafka" "brokers" $o.kafka.brokers "topic" $o.kafka.topic "minimum_priority" $o.kafka.minimumPriority }}
{{- if $o.kafka.options }}{{ $_ := set $k "options" $o.kafka.options }}{{ end }}
{{- $_ := set $out "kafka" $k }}
{{- end }}
{{- if $o.elasticsearch.enabled }}
{{- $_ := set $out "elasticsearch" (dict "type" "elasticsearch" "url" (required "outputs.elasticsearch.url is required" $o.elasticsearch.url) "index" $o.elasticsearch.index "suffix" $o.elasticsearch.suffix "minimum_priority" $o.elasticsearch.minimumPriority) }}
{{- end }}
{{- if $o.loki.enabled }}
{{- $l := dict "type" "loki" "url" (required "outputs.loki.url is required" $o.loki.url) "minimum_priority" $o.loki.minimumPriority }}
{{- if $o.loki.tenant }}{{ $_ := set $l "tenant" $o.loki.tenant }}{{ end }}
{{- if $o.loki.labels }}{{ $_ := set $l "labels" $o.loki.labels }}{{ end }}
{{- $_ := set $out "loki" $l }}
{{- end }}
{{- range $name, $ch := $out }}
{{- if $spool.enabled }}
{{- $_ := set $ch "spool" (dict "enabled" true "dir" (printf "/var/lib/vigil/spool/%s" $name) "max_size" $spool.maxSize) }}
{{- end }}
{{- end }}
{{- toYaml (merge $out (deepCopy $o.extra)) }}
{{- end }}

{{/* The output credentials (a second configuration file, in a Secret). */}}
{{- define "vigil.credentials" -}}
{{- $o := .Values.outputs }}
{{- $out := dict }}
{{- if $o.elasticsearch.enabled }}
{{- $e := dict }}
{{- if $o.elasticsearch.username }}{{ $_ := set $e "username" $o.elasticsearch.username }}{{ end }}
{{- if $o.elasticsearch.password }}{{ $_ := set $e "password" $o.elasticsearch.password }}{{ end }}
{{- if $o.elasticsearch.apiKey }}{{ $_ := set $e "api_key" $o.elasticsearch.apiKey }}{{ end }}
{{- if $e }}{{ $_ := set $out "elasticsearch" $e }}{{ end }}
{{- end }}
{{- if and $o.loki.enabled $o.loki.apiKey }}
{{- $_ := set $out "loki" (dict "api_key" $o.loki.apiKey) }}
{{- end }}
{{- if $out }}
{{- toYaml (dict "outputs" $out) }}
{{- else }}
{}
{{- end }}
{{- end }}
