# The Portage router as a container image: docker build -t portage . (README, "Container").
# tests/Portage.Server.Tests/Deployment/DockerfileTests.cs runs this file's build commands outside a container.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# The project files first: the restore layer is rebuilt only when a dependency changes, not on every source edit.
# global.json pins the SDK feature band with rollForward latestFeature, so any 10.0 SDK image builds it.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Portage.Protocol/Portage.Protocol.csproj src/Portage.Protocol/
COPY src/Portage.Core/Portage.Core.csproj src/Portage.Core/
COPY src/Portage.Storage.Sql/Portage.Storage.Sql.csproj src/Portage.Storage.Sql/
COPY src/Portage.Storage.Sqlite/Portage.Storage.Sqlite.csproj src/Portage.Storage.Sqlite/
COPY src/Portage.Storage.Postgres/Portage.Storage.Postgres.csproj src/Portage.Storage.Postgres/
COPY src/Portage.Providers.Anthropic/Portage.Providers.Anthropic.csproj src/Portage.Providers.Anthropic/
COPY src/Portage.Providers.Google/Portage.Providers.Google.csproj src/Portage.Providers.Google/
COPY src/Portage.Providers.OpenAI/Portage.Providers.OpenAI.csproj src/Portage.Providers.OpenAI/
COPY src/Portage.Server/Portage.Server.csproj src/Portage.Server/
RUN dotnet restore src/Portage.Server/Portage.Server.csproj
COPY src/ src/
RUN dotnet publish src/Portage.Server/Portage.Server.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
# The data folder (SQLite database, credentials.json) is a volume owned by the image's non-root user (app, UID 1654):
# created here so a new named volume starts with that owner.
RUN mkdir -p /data && chown "$APP_UID:$APP_UID" /data && chmod 700 /data
ENV PORTAGE_DATA=/data \
    ASPNETCORE_URLS=http://+:8080
VOLUME /data
EXPOSE 8080
USER $APP_UID
# The image has no curl or wget: bash's /dev/tcp sends the request and the status line is checked for 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && read -r -t 5 status <&3 && [[ $status == 'HTTP/1.1 200 '* ]]"]
ENTRYPOINT ["dotnet", "Portage.Server.dll"]
