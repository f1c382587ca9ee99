{{/* Names and labels. */}}
{{- define "outbound.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "outbound.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "outbound.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "outbound.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: outbound
{{- end -}}

{{/* What the chart knows about each service: image name, gRPC health service, ports, kind. */}}
{{- define "outbound.catalog" -}}
compliance: { image: compliance, grpcService: outbound.v1.ComplianceService, http: false, hpa: true, drain: false, kind: grpc }
dialer: { image: dialer, grpcService: outbound.v1.CampaignService, http: false, hpa: false, drain: true, kind: grpc }
leadIngest: { image: lead-ingest, grpcService: outbound.v1.LeadService, http: true, hpa: true, drain: false, kind: grpc }
media: { image: media, grpcService: outbound.v1.MediaService, http: false, hpa: false, drain: true, kind: grpc }
recording: { image: recording, grpcService: outbound.v1.RecordingService, http: false, hpa: true, drain: true, kind: grpc }
rules: { image: rules, grpcService: outbound.v1.RuleService, http: true, hpa: true, drain: false, kind: grpc }
switchSim: { image: switch-sim, grpcService: "", http: false, hpa: false, drain: false, kind: esl }
agentSim: { image: agent-sim, grpcService: "", http: false, hpa: false, drain: false, kind: client }
console: { image: console, grpcService: "", http: true, hpa: true, drain: false, kind: web }
{{- end -}}

{{/* Host:port of a service's gRPC Service. Args: root, catalog key. */}}
{{- define "outbound.address" -}}
{{- $root := index . 0 -}}
{{- $entry := index (include "outbound.catalog" $root | fromYaml) (index . 1) -}}
{{- printf "%s-%s:%d" (include "outbound.fullname" $root) $entry.image (int $root.Values.grpc.port) -}}
{{- end -}}

{{/* The Secret the chart creates from plain values (test installs). */}}
{{- define "outbound.credentialsName" -}}
{{- printf "%s-credentials" (include "outbound.fullname" .) -}}
{{- end -}}

{{/*
An env entry from a credential. Args: root, env name, block (has existingSecret), key in the
existing Secret, plain value, block path and plain value path (for the error), required.
*/}}
{{- define "outbound.secretEnv" -}}
{{- $root := index . 0 -}}
{{- $env := index . 1 -}}
{{- $block := index . 2 -}}
{{- $key := index . 3 -}}
{{- $plain := index . 4 -}}
{{- $path := index . 5 -}}
{{- $plainPath := index . 6 -}}
{{- $required := index . 7 -}}
{{- if $block.existingSecret }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ $block.existingSecret }}
      key: {{ $key }}
      {{- if not $required }}
      optional: true
      {{- end }}
{{- else if $plain }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ include "outbound.credentialsName" $root }}
      key: {{ $key }}
{{- else if $required }}
{{- fail (printf "%s is required: set %s.existingSecret (a Secret with key %s) or, for a test install only, %s" $env $path $key $plainPath) }}
{{- end }}
{{- end -}}

{{- define "outbound.commonEnv" }}
{{- $root := . -}}
- name: GRPC_ADDRESS
  value: {{ printf "0.0.0.0:%d" (int .Values.grpc.port) | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: METRICS_ADDRESS
  value: {{ printf "0.0.0.0:%d" (int .Values.metrics.port) | quote }}
# Read by the preStop drain hook (tools/drain-wait.mjs), which scrapes the same endpoint.
- name: METRICS_PORT
  value: {{ .Values.metrics.port | quote }}
{{- with .Values.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- include "outbound.natsEnv" $root }}
{{- end -}}

{{- define "outbound.natsEnv" -}}
{{- $root := . -}}
{{- if .Values.nats.existingSecret }}
{{- include "outbound.secretEnv" (list $root "NATS_URL" .Values.nats .Values.nats.existingSecretKey "" "nats" "nats.url" true) }}
{{- else }}
- name: NATS_URL
  value: {{ required "nats.url: the NATS URL (or nats.existingSecret) is required" .Values.nats.url | quote }}
{{- end }}
{{- end -}}

{{- define "outbound.storeEnv" -}}
{{- include "outbound.secretEnv" (list . "DATABASE_URL" .Values.database .Values.database.existingSecretKey .Values.database.url "database" "database.url" true) }}
{{- include "outbound.secretEnv" (list . "REDIS_URL" .Values.redis .Values.redis.existingSecretKey .Values.redis.url "redis" "redis.url" true) }}
{{- end -}}

{{/* Per-service environment, from each service's src/config.ts. Args: root, catalog key. */}}
{{- define "outbound.serviceEnv" -}}
{{- $root := index . 0 -}}
{{- $key := index . 1 -}}
{{- $v := $root.Values -}}
{{- $tokens := $v.apiTokens -}}
{{- $tokenValues := default dict $tokens.values -}}
{{- if eq $key "compliance" }}
{{- include "outbound.commonEnv" $root | nindent 0 }}
{{- include "outbound.storeEnv" $root }}
{{- include "outbound.secretEnv" (list $root "COMPLIANCE_BLIND_INDEX_SECRET" $v.blindIndex $v.blindIndex.complianceSecretKey $v.blindIndex.complianceSecret "blindIndex" "blindIndex.complianceSecret" true) }}
{{- include "outbound.secretEnv" (list $root "BLIND_INDEX_KEY" $v.blindIndex $v.blindIndex.keyKey $v.blindIndex.key "blindIndex" "blindIndex.key" true) }}
{{- else if eq $key "dialer" }}
{{- include "outbound.commonEnv" $root | nindent 0 }}
{{- include "outbound.storeEnv" $root }}
- name: MEDIA_ADDRESS
  value: {{ include "outbound.address" (list $root "media") | quote }}
- name: COMPLIANCE_ADDRESS
  value: {{ include "outbound.address" (list $root "compliance") | quote }}
- name: LEAD_INGEST_ADDRESS
  value: {{ include "outbound.address" (list $root "leadIngest") | quote }}
{{- include "outbound.secretEnv" (list $root "LEAD_INGEST_REVEAL_TOKEN" $tokens $tokens.keys.leadIngestRevealToken (index $tokenValues "LEAD_INGEST_REVEAL_TOKEN") "apiTokens" "apiTokens.values.LEAD_INGEST_REVEAL_TOKEN" true) }}
{{- else if eq $key "leadIngest" }}
{{- include "outbound.commonEnv" $root | nindent 0 }}
{{- include "outbound.storeEnv" $root }}
- name: HTTP_ADDRESS
  value: {{ printf "0.0.0.0:%d" (int $v.http.port) | quote }}
- name: COMPLIANCE_ADDRESS
  value: {{ include "outbound.address" (list $root "compliance") | quote }}
- name: DEFAULT_REGION
  value: {{ $v.services.leadIngest.defaultRegion | quote }}
{{- include "outbound.secretEnv" (list $root "PII_KEYS" $v.encryption $v.encryption.existingSecretKey $v.encryption.piiKeys "encryption" "encryption.piiKeys" true) }}
{{- include "outbound.secretEnv" (list $root "BLIND_INDEX_KEY" $v.blindIndex $v.blindIndex.keyKey $v.blindIndex.key "blindIndex" "blindIndex.key" true) }}
{{- include "outbound.secretEnv" (list $root "PII_REVEAL_GRANTS" $tokens $tokens.keys.piiRevealGrants (index $tokenValues "PII_REVEAL_GRANTS") "apiTokens" "apiTokens.values.PII_REVEAL_GRANTS" false) }}
{{- include "outbound.secretEnv" (list $root "UPSERT_GRANTS" $tokens $tokens.keys.upsertGrants (index $tokenValues "UPSERT_GRANTS") "apiTokens" "apiTokens.values.UPSERT_GRANTS" false) }}
{{- else if eq $key "media" }}
{{- include "outbound.commonEnv" $root | nindent 0 }}
{{- include "outbound.secretEnv" (list $root "ESL_PASSWORD" $v.freeswitch $v.freeswitch.existingSecretKey $v.freeswitch.password "freeswitch" "freeswitch.password" true) }}
{{- $nodes := list -}}
{{- range $v.freeswitch.nodes }}
{{- $nodes = append $nodes (printf "%s=%s:%d:$(ESL_PASSWORD)" .name .host (int .port)) -}}
{{- end }}
# $(ESL_PASSWORD) is expanded by the kubelet from the variable above: the password stays in its Secret.
- name: ESL_NODES
  value: {{ join "," $nodes | quote }}
- name: DEFAULT_GATEWAY
  value: {{ required "freeswitch.defaultGateway: media needs the sofia gateway calls go out through" $v.freeswitch.defaultGateway | quote }}
- name: RECORDINGS_DIR
  value: {{ $v.services.media.recordingsDir | quote }}
{{- else if eq $key "recording" }}
{{- $r := $v.services.recording }}
{{- include "outbound.commonEnv" $root | nindent 0 }}
{{- include "outbound.secretEnv" (list $root "DATABASE_URL" $v.database $v.database.existingSecretKey $v.database.url "database" "database.url" true) }}
- name: MEDIA_ADDRESS
  value: {{ include "outbound.address" (list $root "media") | quote }}
- name: COMPLIANCE_ADDRESS
  value: {{ include "outbound.address" (list $root "compliance") | quote }}
{{- include "outbound.secretEnv" (list $root "RECORDING_KEYS" $r $r.keysKey $r.keys "services.recording" "services.recording.keys" true) }}
{{- with $r.activeKeyId }}
- name: RECORDING_ACTIVE_KEY_ID
  value: {{ . | quote }}
{{- end }}
- name: RECORDING_STORAGE
  value: {{ $r.storage.backend | quote }}
{{- if eq $r.storage.backend "object-store" }}
- name: RECORDING_STORAGE_BUCKET
  value: {{ $r.storage.bucket | quote }}
{{- else }}
- name: RECORDING_STORAGE_DIR
  value: {{ include "outbound.recordingStorageDir" $root | quote }}
{{- end }}
# The FreeSWITCH nodes' recordings folder, mounted where media's RECORDINGS_DIR says it is.
- name: RECORDINGS_SOURCE_DIR
  value: {{ $v.services.media.recordingsDir | quote }}
- name: RECORDING_DEFAULT_MODE
  value: {{ $r.defaults.mode | quote }}
- name: RECORDING_DEFAULT_RETENTION_DAYS
  value: {{ $r.defaults.retentionDays | quote }}
- name: RECORDING_DEFAULT_INDUSTRY
  value: {{ $r.defaults.industry | quote }}
- name: TRANSCRIBE_ENABLED
  value: {{ $r.transcribe.enabled | quote }}
- name: TRANSCRIBE_CONCURRENCY
  value: {{ $r.transcribe.concurrency | quote }}
- name: TRANSCRIBE_MAX_ATTEMPTS
  value: {{ $r.transcribe.maxAttempts | quote }}
- name: TRANSCRIBE_BACKOFF_MS
  value: {{ $r.transcribe.backoff | quote }}
- name: TRANSCRIBE_ACK_WAIT_MS
  value: {{ $r.transcribe.ackWait | quote }}
{{- with $r.transcribe.window }}
- name: TRANSCRIBE_WINDOW
  value: {{ . | quote }}
{{- end }}
- name: TRANSCRIBE_WINDOW_ZONE
  value: {{ $r.transcribe.windowZone | quote }}
{{- else if eq $key "rules" }}
{{- include "outbound.commonEnv" $root | nindent 0 }}
{{- include "outbound.storeEnv" $root }}
- name: HTTP_ADDRESS
  value: {{ printf "0.0.0.0:%d" (int $v.http.port) | quote }}
- name: LEAD_INGEST_ADDRESS
  value: {{ include "outbound.address" (list $root "leadIngest") | quote }}
{{- with $v.services.rules.smsWebhookUrl }}
- name: SMS_WEBHOOK_URL
  value: {{ . | quote }}
{{- end }}
{{- include "outbound.secretEnv" (list $root "LEAD_REVEAL_TOKEN" $tokens $tokens.keys.rulesLeadRevealToken (index $tokenValues "RULES_LEAD_REVEAL_TOKEN") "apiTokens" "apiTokens.values.RULES_LEAD_REVEAL_TOKEN" false) }}
{{- include "outbound.secretEnv" (list $root "HTTP_TOKEN_SHA256" $tokens $tokens.keys.rulesHttpTokenSha256 (index $tokenValues "RULES_HTTP_TOKEN_SHA256") "apiTokens" "apiTokens.values.RULES_HTTP_TOKEN_SHA256" false) }}
{{- include "outbound.secretEnv" (list $root "SMS_WEBHOOK_TOKEN" $tokens $tokens.keys.smsWebhookToken (index $tokenValues "SMS_WEBHOOK_TOKEN") "apiTokens" "apiTokens.values.SMS_WEBHOOK_TOKEN" false) }}
{{- else if eq $key "agentSim" }}
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: DIALER_ADDRESS
  value: {{ include "outbound.address" (list $root "dialer") | quote }}
- name: CAMPAIGN_IDS
  value: {{ required "services.agentSim.campaignIds: agent-sim needs the campaigns its agents log in to" (join "," $v.services.agentSim.campaignIds | default "") | quote }}
- name: AGENTS
  value: {{ $v.services.agentSim.agents | quote }}
{{- else if eq $key "console" }}
{{- $c := $v.services.console }}
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: METRICS_ADDRESS
  value: {{ printf "0.0.0.0:%d" (int $v.metrics.port) | quote }}
- name: HTTP_ADDRESS
  value: {{ printf "0.0.0.0:%d" (int $v.http.port) | quote }}
- name: DIALER_ADDRESS
  value: {{ include "outbound.address" (list $root "dialer") | quote }}
- name: LEAD_INGEST_ADDRESS
  value: {{ include "outbound.address" (list $root "leadIngest") | quote }}
- name: COMPLIANCE_ADDRESS
  value: {{ include "outbound.address" (list $root "compliance") | quote }}
- name: CONSOLE_USERS_FILE
  value: /etc/outbound/console/users.json
- name: SESSION_TTL
  value: {{ $c.sessionTtl | quote }}
- name: SECURE_COOKIES
  value: {{ $c.secureCookies | quote }}
{{- include "outbound.secretEnv" (list $root "SESSION_SECRET" $c $c.sessionSecretKey $c.sessionSecret "services.console" "services.console.sessionSecret" true) }}
{{- if $v.services.recording.enabled }}
# Transcripts on the desks and wallboards: the recording service's text, its events from NATS.
- name: RECORDING_ADDRESS
  value: {{ include "outbound.address" (list $root "recording") | quote }}
{{- include "outbound.natsEnv" $root | nindent 0 }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Where the recording pods mount their sealed files (backend filesystem). */}}
{{- define "outbound.recordingStorageDir" -}}
/var/lib/outbound/recordings
{{- end -}}

{{/*
The recording workload's volumes and their checks. Fails naming the value when a required claim is
missing, or when an emptyDir (each pod's own folder) would be shared by several replicas.
*/}}
{{- define "outbound.recordingVolumes" -}}
{{- $r := .Values.services.recording -}}
{{- if not $r.source.existingClaim }}
{{- fail "services.recording.source.existingClaim is required: the PersistentVolumeClaim the FreeSWITCH nodes write recordings to (media's RECORDINGS_DIR, services.media.recordingsDir)" }}
{{- end }}
- name: recordings-source
  persistentVolumeClaim:
    claimName: {{ $r.source.existingClaim }}
{{- if eq $r.storage.backend "filesystem" }}
{{- if $r.storage.filesystem.existingClaim }}
- name: recordings-sealed
  persistentVolumeClaim:
    claimName: {{ $r.storage.filesystem.existingClaim }}
{{- else if $r.storage.filesystem.emptyDir }}
{{- if or (gt (int $r.replicas) 1) (and $r.autoscaling $r.autoscaling.enabled) }}
{{- fail "services.recording.storage.filesystem.emptyDir gives each pod its own folder: set services.recording.replicas to 1 without autoscaling, or use existingClaim (ReadWriteMany) or storage.backend=object-store" }}
{{- end }}
# Test installs only: recordings are lost when the pod goes.
- name: recordings-sealed
  emptyDir: {}
{{- else }}
{{- fail "services.recording.storage.filesystem.existingClaim is required with storage.backend=filesystem (or storage.backend=object-store; for a test install only, storage.filesystem.emptyDir=true, which loses every recording with its pod)" }}
{{- end }}
{{- end }}
{{- end -}}
