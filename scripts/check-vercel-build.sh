#!/usr/bin/env bash
# `npm run check:vercel`: builds the deployment exactly as Vercel would, offline (`vercel build`
# needs only a project link, written here), then checks the output: the functions, routes, crons
# and runtime it declares, and calls the built function with real Requests (test/deploy/*.vercel.ts).
# The build's own step (`npm run vercel-build`) migrates a fresh Postgres database, which the
# built function then serves from. Needs Postgres on 127.0.0.1:5432 (CI starts it).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_ADMIN="postgres://postgres@127.0.0.1:5432/postgres"
DB="switchyard_vercel_check_$$_$(date +%s)"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"

node -e 'const pg=require("pg");const c=new pg.Client(process.argv[1]);c.connect().then(()=>c.query(`create database "${process.argv[2]}"`)).then(()=>c.end())' "$PG_ADMIN" "$DB"
cleanup() {
  node -e 'const pg=require("pg");const c=new pg.Client(process.argv[1]);c.connect().then(()=>c.query(`drop database if exists "${process.argv[2]}" with (force)`)).then(()=>c.end())' "$PG_ADMIN" "$DB" || true
}
trap cleanup EXIT

mkdir -p .vercel
# A project link without a login: `vercel build` reads settings from here and never calls the API.
test -f .vercel/project.json ||
  echo '{"projectId":"prj_offline","orgId":"team_offline","settings":{"framework":null}}' > .vercel/project.json
rm -rf .vercel/output

started=$(date +%s)
VERCEL_ENV=preview npx vercel build --yes
echo "vercel build: $(( $(date +%s) - started )) s"

SWITCHYARD_VERCEL_OUTPUT="$PWD/.vercel/output" npx vitest run --config test/deploy/vitest.vercel.config.ts
