#!/usr/bin/env bash
# The pre-commit hook with the real client: `pre-commit try-repo` this repository against a
# temporary repository with a bad manifest (the hook must fail and name the rule), then
# with the manifest fixed (the hook must pass), then with files named like flags
# (`--exclude=*.yaml`, `--output=x.yaml`), which must be linted as files.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$work/cache"
cd "$work"
git init -q repo && cd repo
git config user.email ci@example.com && git config user.name ci
cat > routes.yaml <<'YAML'
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: checkout, namespace: shop}
spec:
  hosts: [checkout]
  http:
    - route:
        - destination: {host: checkout, subset: v1}
          weight: 1
        - destination: {host: checkout, subset: v2}
          weight: 99
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: checkout, namespace: shop}
spec:
  host: checkout
  subsets:
    - {name: v1, labels: {version: v1}}
    - {name: v2, labels: {version: v2}}
YAML
git add routes.yaml && git commit -qm bad
if pre-commit try-repo "$here" canarylint --all-files > out.txt 2>&1; then
  cat out.txt
  echo "FAIL: the hook passed on a bad manifest"
  exit 1
fi
grep -q "inverted-split" out.txt || { cat out.txt; echo "FAIL: the hook output does not name inverted-split"; exit 1; }
echo "ok: the hook fails on the bad manifest and names inverted-split"
sed -i 's/weight: 1$/weight: 90/; s/weight: 99$/weight: 10/' routes.yaml
git commit -qam fixed
pre-commit try-repo "$here" canarylint --all-files > out.txt 2>&1 || { cat out.txt; echo "FAIL: the hook failed on the fixed manifest"; exit 1; }
echo "ok: the hook passes on the fixed manifest"
# File names that look like flags are files: pre-commit appends them to the entry, which ends
# its options with `--`. A bad manifest named `--exclude=*.yaml` must fail the hook (as an
# option it would exclude every file), and one named `--output=x.yaml` must not make the
# hook write `x.yaml`.
sed 's/weight: 90$/weight: 1/; s/weight: 10$/weight: 99/; s/name: checkout/name: flagged/g' routes.yaml > './--exclude=*.yaml'
sed 's/name: checkout/name: other/g' routes.yaml > './--output=x.yaml'
git add -- '--exclude=*.yaml' '--output=x.yaml' && git commit -qm 'flag-like names'
if pre-commit try-repo "$here" canarylint --all-files > out.txt 2>&1; then
  cat out.txt
  echo "FAIL: the hook passed on a bad manifest named --exclude=*.yaml"
  exit 1
fi
grep -q -- '--> --exclude=\*.yaml:.*' out.txt && grep -q "inverted-split" out.txt || { cat out.txt; echo "FAIL: the hook did not report --exclude=*.yaml"; exit 1; }
[[ ! -e x.yaml ]] || { cat out.txt; echo "FAIL: a file named --output=x.yaml made the hook write x.yaml"; exit 1; }
echo "ok: file names that look like flags are linted as files"
# Cross-file impact: a commit that stages only a DestinationRule that lost subset `v3` breaks
# the VirtualService (unchanged, not staged) that routes to it. The hook is given only the
# staged file, and must still fail and name the VirtualService.
cd "$work" && git init -q xfile && cd xfile
git config user.email ci@example.com && git config user.name ci
cat > vs.yaml <<'YAML'
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: {host: reviews, subset: v1}
          weight: 90
        - destination: {host: reviews, subset: v3}
          weight: 10
YAML
cat > dr.yaml <<'YAML'
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets:
    - {name: v1, labels: {version: v1}}
    - {name: v3, labels: {version: v3}}
YAML
git add vs.yaml dr.yaml
pre-commit try-repo "$here" canarylint > out.txt 2>&1 || { cat out.txt; echo "FAIL: the hook failed on routes that are fine"; exit 1; }
git commit -qm routes
sed -i '/name: v3/d' dr.yaml
git add dr.yaml
if pre-commit try-repo "$here" canarylint > out.txt 2>&1; then
  cat out.txt
  echo "FAIL: the hook passed a DestinationRule change that breaks vs.yaml"
  exit 1
fi
grep -q -- '--> vs.yaml:10:48' out.txt && grep -q 'missing-subset' out.txt \
  && grep -q 'related: DestinationRule `shop/reviews` at dr.yaml:3, changed' out.txt \
  || { cat out.txt; echo "FAIL: the hook did not name the VirtualService the change breaks"; exit 1; }
echo "ok: staging only the DestinationRule fails the hook, which names the VirtualService it breaks:"
sed -n '/error\[missing-subset\]/,/help:/p' out.txt
