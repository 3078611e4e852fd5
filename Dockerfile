# syntax=docker/dockerfile:1
# MmsGateway image: `docker build -t mmsgateway .`, then `docker run -p 8080:8080 mmsgateway`
# (verb `serve` by default; any other verb replaces CMD, e.g. `docker run mmsgateway probe mms://host/x`).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Restore first with only the project files, so the package layer is cached until they change.
COPY Directory.Build.props .editorconfig MmsGateway.sln ./
COPY src/MmsGateway.Asf/MmsGateway.Asf.csproj src/MmsGateway.Asf/
COPY src/MmsGateway.Asf.Files/MmsGateway.Asf.Files.csproj src/MmsGateway.Asf.Files/
COPY src/MmsGateway.Mms/MmsGateway.Mms.csproj src/MmsGateway.Mms/
COPY src/MmsGateway.Origin/MmsGateway.Origin.csproj src/MmsGateway.Origin/
COPY src/MmsGateway/MmsGateway.csproj src/MmsGateway/
# ReadyToRun for the machine's own architecture (--ucr: linux-x64 or linux-arm64), still on the shared framework; the
# project turns tiered compilation off for it (src/MmsGateway/MmsGateway.csproj, benchmarks/README.md "Session 7").
RUN dotnet restore src/MmsGateway/MmsGateway.csproj --ucr -p:PublishReadyToRun=true
COPY src/ src/
RUN dotnet publish src/MmsGateway -c Release -o /app --no-restore --ucr --self-contained false -p:PublishReadyToRun=true

# .NET 10 images are Ubuntu 24.04 based (ffmpeg comes from universe).
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# ffmpeg: HLS transcoding; curl: the health check.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# The image's non-root user (APP_UID, 1654 in the .NET images).
USER $APP_UID
ENV ASPNETCORE_URLS=http://+:8080 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "MmsGateway.dll"]
CMD ["serve"]
