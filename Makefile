# Deployment commands for the ASTRI service (Docker Compose; docs/deploy.md). A command acts on the whole
# stack unless words pick a part:  make <command> [frontend] [backend] [gpu]
#   frontend  the client container (dashboard on nginx)      backend  the server container
#   gpu       the CUDA server image instead of the CPU one (also: PROFILE=gpu)
# Variables: COMPOSE (docker compose; COMPOSE=docker-compose for v1), REGISTRY and TAG (image names
# $(REGISTRY)/astri-server:$(TAG); `make push` needs REGISTRY), ASTRI_HTTP_PORT (8080).

COMPOSE ?= docker compose
NPM ?= npm
REGISTRY ?=
TAG ?=
ASTRI_HTTP_PORT ?= 8080
PROFILE ?= $(if $(filter gpu,$(MAKECMDGOALS)),gpu,cpu)

COMMANDS := help build up restart down logs test demo push pull
WORDS := frontend backend gpu
.PHONY: $(COMMANDS) $(WORDS)
.DEFAULT_GOAL := help

ifeq ($(filter $(PROFILE),cpu gpu),)
$(error PROFILE must be cpu or gpu, got "$(PROFILE)")
endif
ifneq ($(filter push,$(MAKECMDGOALS)),)
ifeq ($(strip $(REGISTRY)),)
$(error make push needs the registry to push to: make push REGISTRY=host:port [frontend|backend] [gpu] [TAG=version])
endif
endif

server := $(if $(filter gpu,$(PROFILE)),server-gpu,server)
client := $(if $(filter gpu,$(PROFILE)),client-gpu,client)
# The services the words pick; none means all services of the profile.
services := $(strip $(if $(filter backend,$(MAKECMDGOALS)),$(server)) $(if $(filter frontend,$(MAKECMDGOALS)),$(client)))
# Only a part that was asked for: the client starts without waiting for a server (two-host setups).
no_deps := $(if $(services),--no-deps)
# REGISTRY and TAG only when given, so ASTRI_REGISTRY and ASTRI_TAG from the environment still apply.
image_env := $(if $(strip $(REGISTRY)),ASTRI_REGISTRY=$(patsubst %/,%,$(strip $(REGISTRY)))) $(if $(strip $(TAG)),ASTRI_TAG=$(strip $(TAG)))
compose := $(strip $(image_env) $(COMPOSE)) --profile $(PROFILE)

help:
	@echo "usage: make <command> [frontend|backend] [gpu] [VAR=value ...]"
	@echo "  build     build the images                  up        start in the background"
	@echo "  restart   recreate (applies config changes)  down      stop and remove the containers"
	@echo "  logs      follow the logs                    demo      start, wait until ready, print the URL"
	@echo "  push      build and push to REGISTRY=host:port           pull   pull from REGISTRY"
	@echo "  test      run the test suite (npm test)"
	@echo "profile: $(PROFILE); compose: $(COMPOSE)"

build:
	$(compose) $(strip build $(services))

up:
	$(compose) $(strip up -d $(no_deps) $(services))

# Recreating (not `compose restart`) also applies changed environment files; config.yaml is re-read anyway.
restart:
	$(compose) $(strip up -d --no-build --force-recreate $(no_deps) $(services))

down:
ifeq ($(services),)
	$(strip $(image_env) $(COMPOSE)) --profile cpu --profile gpu down
else
	$(compose) rm --stop --force $(services)
endif

logs:
	$(compose) $(strip logs -f --tail=200 $(services))

test:
	$(NPM) test

demo:
	$(compose) up -d --build
	sh docker/wait-ready.sh http://127.0.0.1:$(ASTRI_HTTP_PORT)/readyz
	@echo "ASTRI dashboard: http://localhost:$(ASTRI_HTTP_PORT)/"

push:
	$(compose) $(strip build $(services))
	$(compose) $(strip push $(services))

pull:
	$(compose) $(strip pull $(services))

# Words that pick a part are goals too; on their own they do nothing.
$(WORDS):
	@:
