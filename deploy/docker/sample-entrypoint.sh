#!/bin/bash
# Entry point of the demo app images (Dockerfile.sample): runs the app, and beside it a satcar link when
# SATCAR_URL is set. That is the case on App Service, where the app's container is the only one, so the
# link has to run inside it; compose runs the link as a container of its own in the app's network
# namespace and leaves SATCAR_URL unset.
#
# With a link: the link gets DAPR_API_TOKEN (the satcar's token, which it adds to every call) and listens
# on 127.0.0.1:$DAPR_HTTP_PORT and :$DAPR_GRPC_PORT (3500 and 50001 by default); the app gets neither the
# token nor SATCAR_URL. When either process exits the other is stopped and the container exits with the
# first one's code, so the platform restarts both.
set -euo pipefail

app=(dotnet "/app/${APP_DLL:?APP_DLL is not set}")
if [[ -z "${SATCAR_URL:-}" ]]; then
  exec "${app[@]}"
fi

# The ASP.NET Core listening settings are the app's: the link listens only where its flags say.
env -u ASPNETCORE_URLS -u ASPNETCORE_HTTP_PORTS -u ASPNETCORE_HTTPS_PORTS \
  dotnet /satcar/satcar.dll link \
    --satcar-url "$SATCAR_URL" \
    --dapr-http-port "${DAPR_HTTP_PORT:-3500}" \
    --dapr-grpc-port "${DAPR_GRPC_PORT:-50001}" &
link_pid=$!

env -u DAPR_API_TOKEN -u SATCAR_URL "${app[@]}" &
app_pid=$!

stop() { kill -TERM "$link_pid" "$app_pid" 2>/dev/null || true; }
trap stop TERM INT

set +e
wait -n "$link_pid" "$app_pid"
status=$?
stop
wait
exit "$status"
