# What a machine can build hunt as; sourced by tools/install.sh, tools/aot-check.sh and .ci/run.

# The portable runtime identifier of this machine (a distribution's SDK may report its own, e.g.
# ubuntu.24.04-x64, whose runtime packs NuGet does not have).
portable_rid() {
  local libc=linux
  if ldd --version 2>&1 | grep -qi musl; then libc=linux-musl; fi
  case $(uname -m) in
    x86_64) echo "$libc-x64" ;;
    aarch64|arm64) echo "$libc-arm64" ;;
    *) dotnet --info | awk '/RID:/ {print $2; exit}' ;;
  esac
}

# Why Native AOT cannot be built or run here, or nothing when it can.
aot_obstacle() {
  command -v clang > /dev/null || { echo "no clang on PATH (Debian: apt-get install clang)"; return; }
  # The AOT link takes zlib from the system (System.IO.Compression's native part).
  echo 'int main(void){return 0;}' | clang -x c - -lz -o /dev/null 2> /dev/null \
    || { echo "clang cannot link zlib (Debian: apt-get install zlib1g-dev)"; return; }
  local rid; rid=$(portable_rid)
  # The x64 build is compiled for x86-64-v3.
  if [[ $rid == *-x64 ]] && ! grep -qw avx2 /proc/cpuinfo 2> /dev/null; then echo "this CPU has no AVX2"; return; fi
  case $rid in linux-x64|linux-arm64|linux-musl-x64|linux-musl-arm64) ;; *) echo "not set up for $rid";; esac
}
