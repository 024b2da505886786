#!/usr/bin/env bash
# Commercy's order API from the shell, with curl: log in, create an order safely (an
# Idempotency-Key, retries), replay it, page through every order, download an invoice, and read
# a validation error. Needs bash, curl and python3 (to read JSON; `jq -r` would do the same).
#
#   COMMERCY_BASE_URL=http://127.0.0.1:8000 COMMERCY_IDENTIFIER=reseller@medina.example \
#   COMMERCY_PASSWORD=... examples/curl/orders.sh
set -euo pipefail

BASE_URL="${COMMERCY_BASE_URL:-http://127.0.0.1:8000}"
API="${BASE_URL%/}/api/v1"
IDENTIFIER="${COMMERCY_IDENTIFIER:?set COMMERCY_IDENTIFIER (a reseller or agent login)}"
: "${COMMERCY_PASSWORD:?set COMMERCY_PASSWORD}"
OUT_DIR="${COMMERCY_OUT_DIR:-.}"   # where the invoice PDF is written
PAGE_SIZE="${COMMERCY_PAGE_SIZE:-50}"  # orders a page; the API allows up to 100
MAX_ATTEMPTS=5                     # tries of one request in all, first one included
MAX_WAIT=30                        # seconds; a longer Retry-After is not waited for

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
STATUS=""                          # the HTTP status of the last answer; its body is $WORK/body

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# fields PATH... < JSON: the value at each dotted path (.data.order.id, .data.0.price,
# .data.length), one a line; strings bare, anything else as JSON. One python3 for them all.
fields() {
    python3 -c '
import json, sys
body = json.load(sys.stdin)
for path in sys.argv[1:]:
    value = body
    for key in path.strip(".").split("."):
        if key == "length":
            value = len(value)
        elif key:
            value = value[int(key)] if isinstance(value, list) else value[key]
    print(value if isinstance(value, str) else json.dumps(value))' "$@"
}

# describe_error < JSON: the API's error format as lines a person reads, every field error
# included (details.errors holds all of them, not only the first).
describe_error() {
    python3 -c '
import json, sys
try:
    body = json.load(sys.stdin)
except ValueError:
    body = {}
print("  %s: %s" % (body.get("error", "HTTP error"), body.get("message", "(not JSON)")))
for error in (body.get("details") or {}).get("errors", []):
    print("  - %s: %s" % (error["field"], error["message"]))'
}

header() {  # header NAME: the value of a header of the last answer, empty when absent
    tr -d '\r' < "$WORK/headers" | awk -v name="$1" -F': ' \
        'tolower($1) == tolower(name) { value = substr($0, length($1) + 3) } END { print value }'
}

new_key() { python3 -c 'import uuid; print(uuid.uuid4())'; }

# send METHOD PATH [BODY]: one request. Sets STATUS; returns curl's exit code (network errors).
# The token and the body travel in files, so neither shows in `ps`.
send() {
    local method=$1 path=$2 body=${3:-} auth=() data=()
    [ -f "$WORK/auth" ] && auth=(--header "@$WORK/auth")
    if [ -n "$body" ]; then
        printf '%s' "$body" > "$WORK/request"
        data=(--header 'Content-Type: application/json' --data-binary "@$WORK/request")
    fi
    : > "$WORK/headers"
    STATUS=$(curl --silent --show-error --max-time 30 --request "$method" \
        --output "$WORK/body" --dump-header "$WORK/headers" --write-out '%{http_code}' \
        ${auth[@]+"${auth[@]}"} ${data[@]+"${data[@]}"} \
        ${EXTRA_HEADERS[@]+"${EXTRA_HEADERS[@]}"} "$API$path")
}

# call [--idempotent] METHOD PATH [BODY]: a request with the retries that are safe for it.
# A 429 is always retried after the Retry-After it gives: the API refused the request before
# doing anything. A 503 or a network failure (the request may have been done) is retried only
# with --idempotent, that is, for a create sent with an Idempotency-Key, which the API answers
# from its record instead of creating a second order.
EXTRA_HEADERS=()
call() {
    local idempotent=false
    if [ "$1" = --idempotent ]; then idempotent=true; shift; fi
    local attempt=1 backoff=1 rc asked wait
    while :; do
        rc=0
        send "$@" || rc=$?
        if [ "$rc" -ne 0 ]; then
            $idempotent || die "$1 $2: network failure (curl exit $rc), not retried"
            wait=$backoff; log "  $1 $2: network failure (curl exit $rc)"
        elif [ "$STATUS" = 429 ] || { $idempotent && [ "$STATUS" = 503 ]; }; then
            asked=$(header Retry-After)   # seconds (an HTTP date is also allowed: not read here)
            log "  $1 $2: $STATUS, Retry-After ${asked:-none}"
            [[ "$asked" =~ ^[0-9]+$ ]] || asked=0
            wait=$((asked > backoff ? asked : backoff))
        else
            return 0
        fi
        [ "$attempt" -lt "$MAX_ATTEMPTS" ] || die "$1 $2: gave up after $attempt attempts"
        [ "$wait" -le "$MAX_WAIT" ] || die "$1 $2: the API asks to wait ${wait}s; try later"
        log "  retrying in ${wait}s (attempt $((attempt + 1)) of $MAX_ATTEMPTS)"
        sleep "$wait"
        attempt=$((attempt + 1)); backoff=$((backoff * 2))
    done
}

# expect STATUS WHAT: stop with the API's explanation (and request id) unless it answered STATUS.
expect() {
    if [ "$STATUS" != "$1" ]; then
        log "error: $2 answered $STATUS (request id $(header X-Request-ID))"
        describe_error < "$WORK/body" >&2
        exit 1
    fi
}

login() {
    local body   # built from the environment, so the password is never an argument (`ps`)
    body=$(python3 -c 'import json, os; print(json.dumps({
        "identifier": os.environ["COMMERCY_IDENTIFIER"],
        "password": os.environ["COMMERCY_PASSWORD"]}))')
    call POST /auth/login "$body"
    expect 200 "login"
    local values token role
    values=$(fields .token .user.role < "$WORK/body")
    { read -r token; read -r role; } <<< "$values"
    printf 'Authorization: Bearer %s\n' "$token" > "$WORK/auth"
    log "logged in as $IDENTIFIER ($role)"
}

# order_body PRODUCT_ID PRICE: a cash-on-delivery order of two of one product.
order_body() {
    cat <<JSON
{"customerName": "Leila Mansour", "customerPhone": "+216 22 333 444",
 "customerAddress": "8 avenue Habib Bourguiba", "customerCity": "Tunis",
 "products": [{"productId": $1, "quantity": 2, "price": $2, "notes": "Taille M"}]}
JSON
}

ORDER_ID="" ORDER_NUMBER="" ORDER_TOTAL=""
create_order() {  # create_order KEY BODY: sets ORDER_ID, ORDER_NUMBER and ORDER_TOTAL
    EXTRA_HEADERS=(--header "Idempotency-Key: $1")
    call --idempotent POST /orders "$2"
    EXTRA_HEADERS=()
    expect 201 "create order"
    local values
    values=$(fields .order.id .orderNumber .order.total < "$WORK/body")
    { read -r ORDER_ID; read -r ORDER_NUMBER; read -r ORDER_TOTAL; } <<< "$values"
}

list_every_order() {
    local page=1 seen=0 values count has_next total
    while :; do
        call GET "/orders?page=$page&limit=$PAGE_SIZE&sort=-createdAt"
        expect 200 "list orders (page $page)"
        values=$(fields .data.length .pagination.hasNext .pagination.total < "$WORK/body")
        { read -r count; read -r has_next; read -r total; } <<< "$values"
        seen=$((seen + count))
        log "page $page: $count orders"
        [ "$has_next" = true ] || break
        page=$((page + 1))
    done
    echo "listed $seen orders in $page pages (total $total)"
}

download_invoice() {  # download_invoice ORDER_ID ORDER_NUMBER
    call GET "/orders/$1/invoice.pdf"
    expect 200 "invoice of order $2"
    local file="$OUT_DIR/invoice-$2.pdf"
    mkdir -p "$OUT_DIR"
    mv "$WORK/body" "$file"
    [ "$(head -c 4 "$file")" = "%PDF" ] || die "the invoice of $2 is not a PDF"
    echo "invoice of $2: $file ($(wc -c < "$file" | tr -d ' ') bytes)"
}

show_a_validation_error() {
    # No phone, a quantity of zero, a product id that is not a number: a 400 names each field.
    call POST /orders '{"customerName": "X", "products": [{"productId": "abc", "quantity": 0}]}'
    [ "$STATUS" = 400 ] || die "a bad order answered $STATUS, not 400"
    echo "a bad order is refused with 400 (request id $(header X-Request-ID)):"
    describe_error < "$WORK/body"
}

main() {
    login

    call GET "/products?limit=1"
    expect 200 "list products"
    local values product_id price
    values=$(fields .data.0.id .data.0.price < "$WORK/body")
    { read -r product_id; read -r price; } <<< "$values"

    local key body id number
    key=$(new_key)   # one key per order you mean to place; keep it until you get an answer
    body=$(order_body "$product_id" "$price")
    create_order "$key" "$body"
    id=$ORDER_ID number=$ORDER_NUMBER
    echo "created order $number (id $id, total $ORDER_TOTAL, Idempotency-Key $key)"

    create_order "$key" "$body"   # a retry after a lost answer: the same key and body
    [ "$ORDER_ID" = "$id" ] || die "the replay gave another order: $ORDER_NUMBER"
    echo "replayed the same key: the same order $number" \
        "(Idempotent-Replayed: $(header Idempotent-Replayed))"

    list_every_order
    download_invoice "$id" "$number"
    show_a_validation_error
}

main "$@"
