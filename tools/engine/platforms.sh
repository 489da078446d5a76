# Sourced by up.sh when other platforms are asked for (IMAGESTACK_PLATFORMS / --platforms):
# QEMU user-mode emulation, and debian:bookworm-slim per platform without Docker Hub, published
# as one image index in the local registry. Uses up.sh's STATE, REGISTRY, BASE_IMAGE, log, die,
# need_root, apt_install and debootstrap_tarball. Idempotent: a second run with everything in place only checks.

# The index of every platform's base, for stacks to name: FROM ${BASE_INDEX}.
BASE_REPOSITORY="$REGISTRY/imagestack-base/debian"
BASE_INDEX="$BASE_REPOSITORY:bookworm-slim"

# qemu's name of an OCI architecture (arm64 → aarch64), as in /usr/bin/qemu-<name>-static.
qemu_name() {
  case "$1" in
    arm64) echo aarch64 ;; amd64) echo x86_64 ;; arm) echo arm ;; 386) echo i386 ;;
    ppc64le|s390x|riscv64) echo "$1" ;;
    *) die "no QEMU emulation known for architecture $1 (known: arm64, amd64, arm, 386, ppc64le, s390x, riscv64)" ;;
  esac
}

# Emulation of architecture $1 on this kernel: the binfmt handler qemu-<name> enabled with the
# F flag (the interpreter opened at registration, so it works inside containers). Installs
# qemu-user-static when missing; registers the handler from its binfmt.d file when the package
# did not (e.g. no systemd-binfmt).
ensure_emulation() {
  local q handler conf
  q=$(qemu_name "$1")
  handler=/proc/sys/fs/binfmt_misc/qemu-$q
  emulation_ok() { [ -f "$handler" ] && grep -qx enabled "$handler" && grep -q '^flags:.*F' "$handler"; }
  if emulation_ok; then log "emulation of $1 present (binfmt handler qemu-$q, flags F)"; return; fi
  [ -x "/usr/bin/qemu-$q-static" ] || apt_install qemu-user-static
  need_root "registering the binfmt handler qemu-$q"
  [ -f /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null \
    || die "binfmt_misc is not mounted and cannot be mounted here (fix: mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc on the engine's host)"
  if [ ! -f "$handler" ]; then
    if command -v update-binfmts >/dev/null 2>&1 && [ -f "/usr/share/binfmts/qemu-$q" ]; then
      update-binfmts --enable "qemu-$q" >/dev/null 2>&1 || true
    fi
  fi
  if [ ! -f "$handler" ]; then
    conf=/usr/lib/binfmt.d/qemu-$q.conf
    [ -f "$conf" ] || die "qemu-user-static has no $conf to register qemu-$q from"
    grep -v '^#' "$conf" | head -n 1 >/proc/sys/fs/binfmt_misc/register || die "could not register the binfmt handler qemu-$q"
  fi
  emulation_ok || die "the binfmt handler qemu-$q is not enabled with the F flag ($(tr '\n' ' ' <"$handler" 2>/dev/null)); fix: echo -1 >$handler, then run this script again"
  log "emulation of $1 registered (binfmt handler qemu-$q, flags F)"
}

# The architectures the index at $BASE_INDEX names (one a line), or nothing when it is absent.
index_architectures() {
  { docker manifest inspect --insecure "$BASE_INDEX" 2>/dev/null || true; } | sed -n 's/.*"architecture": *"\([^"]*\)".*/\1/p'
}

# Makes and pushes $BASE_REPOSITORY:bookworm-slim-linux-$1 for a foreign architecture: debootstrap
# (minbase, under emulation) into a tarball cached in $STATE/cache, imported, then its image config
# rewritten to say the architecture (dockerd 20.10 ignores `docker import --platform` without
# experimental mode, so the config would say the engine's).
push_foreign_base() {
  local arch=$1 tarball ref tmp cfg id
  tarball="$STATE/cache/debian-bookworm-minbase-$arch.tar"
  ref="$BASE_REPOSITORY:bookworm-slim-linux-$arch"
  [ -s "$tarball" ] || log "building debian bookworm for $arch from Debian's archive with debootstrap under emulation (a few minutes, once)"
  debootstrap_tarball "$tarball" "debootstrap-$arch" --arch "$arch"
  tmp=$(mktemp -d "$STATE/cache/save-$arch.XXXXXX")
  id=$(docker import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$tarball")
  docker save "$id" | tar -C "$tmp" -xf -
  docker rmi "$id" >/dev/null
  cfg=$(sed -n 's/.*"Config":"\([^"]*\)".*/\1/p' "$tmp/manifest.json")
  sed -i "s/\"architecture\":\"[^\"]*\"/\"architecture\":\"$arch\"/" "$tmp/$cfg"
  id=$(tar -C "$tmp" -cf - . | docker load -q | sed -n 's/^Loaded image ID: //p')
  rm -rf "$tmp"
  [ -n "$id" ] || die "docker load of the $arch base gave no image ID"
  docker tag "$id" "$ref"
  docker push -q "$ref" >/dev/null || die "pushing $ref failed"
  log "pushed $ref ($(docker image inspect -f '{{.Os}}/{{.Architecture}}' "$ref"))"
}

# Emulation for every platform of the comma-separated list $1 that is not the engine's own, each
# platform's base pushed, and the index $BASE_INDEX naming all of them (the engine's own included).
platforms_up() {
  local own platform arch refs=() have want missing=""
  own=$(docker version --format '{{.Server.Os}}/{{.Server.Arch}}')
  want=$(printf '%s\n' "$own" ${1//,/ } | sort -u)
  for platform in $want; do
    arch=${platform#*/}; arch=${arch%%/*}
    [ "$platform" = "$own" ] || ensure_emulation "$arch"
  done
  have=$(index_architectures | sort -u || true)
  for platform in $want; do
    arch=${platform#*/}; arch=${arch%%/*}
    printf '%s\n' "$have" | grep -qx "$arch" || missing="$missing $platform"
  done
  if [ -z "$missing" ]; then
    log "base index $BASE_INDEX present ($(echo $have))"
    return
  fi
  for platform in $want; do
    arch=${platform#*/}; arch=${arch%%/*}
    if [ "$platform" = "$own" ]; then
      docker tag "$BASE_IMAGE" "$BASE_REPOSITORY:bookworm-slim-linux-$arch"
      docker push -q "$BASE_REPOSITORY:bookworm-slim-linux-$arch" >/dev/null || die "pushing the $arch base failed"
    else
      push_foreign_base "$arch"
    fi
    refs+=("$BASE_REPOSITORY:bookworm-slim-linux-$arch")
  done
  docker manifest rm "$BASE_INDEX" >/dev/null 2>&1 || true
  docker manifest create --insecure "$BASE_INDEX" "${refs[@]}" >/dev/null || die "docker manifest create $BASE_INDEX failed"
  docker manifest push --insecure --purge "$BASE_INDEX" >/dev/null || die "docker manifest push $BASE_INDEX failed"
  log "base index $BASE_INDEX: $(index_architectures | sort -u | tr '\n' ' ')"
}
