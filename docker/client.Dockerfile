# The ASTRI dashboard: built by Vite, served by nginx, which proxies /graphql (HTTP, SSE, WebSocket),
# /images/, /healthz and /readyz to the server at ASTRI_SERVER_URL (read when the container starts), or
# balances them over the API replicas when it lists several URLs.
#   docker build -f docker/client.Dockerfile -t astri-client .     (or: make build frontend)
#   docker run -p 8080:8080 -e ASTRI_SERVER_URL=http://astri-host:4000 astri-client
#   docker run -p 8080:8080 -e ASTRI_SERVER_URL="http://api-1:4000 http://api-2:4000" astri-client

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY docker/build-client.sh ./docker/
RUN sh docker/build-client.sh install
COPY . .
RUN sh docker/build-client.sh build

# 1.27.3 or later: the site's upstream servers use `resolve`.
FROM nginx:1.28-alpine AS runtime
# Unprivileged nginx: port 8080, pid and temp files in /tmp, conf.d writable for the template step.
COPY docker/nginx/nginx.conf /etc/nginx/nginx.conf
COPY docker/nginx/default.conf.template /etc/nginx/templates/default.conf.template
COPY docker/nginx/15-astri-upstream.envsh /docker-entrypoint.d/15-astri-upstream.envsh
RUN rm -f /etc/nginx/conf.d/default.conf \
 && chmod 0755 /docker-entrypoint.d/15-astri-upstream.envsh \
 && chown -R nginx:nginx /etc/nginx/conf.d /var/cache/nginx
COPY --from=build /app/client/dist /usr/share/nginx/html
# Only ASTRI_* variables are substituted into the template; nginx's own $variables stay as they are.
ENV ASTRI_SERVER_URL=http://server:4000 \
    NGINX_ENVSUBST_FILTER=^ASTRI_
USER nginx
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/nginx-health"]
