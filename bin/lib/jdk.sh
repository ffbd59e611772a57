# shellcheck shell=bash
# Sourced, not run. Defines ensure_jdk, which finds a JDK >= 21 (the build targets
# release 21, see pom.xml) and exports JAVA_HOME and PATH to it. Our machines' default
# `java` is 17, so relying on PATH alone would break the build.
# Functions `return` instead of `exit` so an interactive shell that sources this survives.

REYNA_MIN_JDK=${REYNA_MIN_JDK:-21}

# Prints the major version of the given java binary ("17.0.15" -> 17, "25" -> 25,
# "1.8.0_392" -> 8, "26-ea" -> 26), or nothing if it cannot be run or parsed.
_jdk_major() {
  local v
  # Match only the `version "..."` line: JAVA_TOOL_OPTIONS may add "Picked up ..." lines.
  v=$("$1" -version 2>&1 | awk -F'"' '/ version "/ { print $2; exit }') || return 1
  case $v in 1.*) v=${v#1.} ;; esac
  v=${v%%[.+_-]*}
  [[ $v =~ ^[0-9]+$ ]] && echo "$v"
}

# Prints the major version of the JDK home $1 if it is one (java *and* javac: Maven
# compiles) and is new enough; fails otherwise.
_jdk_home_major() {
  local major
  [[ -n $1 && -x $1/bin/java && -x $1/bin/javac ]] || return 1
  major=$(_jdk_major "$1/bin/java") || return 1
  ((major >= REYNA_MIN_JDK)) && echo "$major"
}

# Prints the home of the newest suitable JDK under /usr/lib/jvm, if any.
_jdk_newest_installed() {
  local dir major best="" best_major=0 seen=" "
  for dir in /usr/lib/jvm/*/; do
    dir=$(readlink -f "$dir") # Debian adds symlinked aliases: run each java only once
    [[ $seen == *" $dir "* ]] && continue
    seen+="$dir "
    major=$(_jdk_home_major "$dir") || continue
    if ((major > best_major)); then best=$dir best_major=$major; fi
  done
  [[ -n $best ]] && echo "$best"
}

# Succeeds if apt knows an installable candidate for package $1.
_apt_has() {
  local cand
  cand=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')
  [[ -n $cand && $cand != "(none)" ]]
}

# Installs the first Debian JDK package apt offers. Only as root; runs `apt-get update`
# once if the package lists know neither (fresh machines often have empty lists).
_jdk_apt_install() {
  local pkg pkg_major updated=0
  [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null || return 1
  while :; do
    for pkg in openjdk-21-jdk-headless openjdk-25-jdk-headless; do
      pkg_major=${pkg//[^0-9]/}
      if ((pkg_major >= REYNA_MIN_JDK)) && _apt_has "$pkg"; then
        echo "jdk.sh: no JDK >= $REYNA_MIN_JDK found; installing $pkg" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >&2 && return 0
      fi
    done
    ((updated)) && return 1
    apt-get update -q >&2 || return 1
    updated=1
  done
}

ensure_jdk() {
  local home="" java_bin
  if _jdk_home_major "${JAVA_HOME:-}" >/dev/null; then
    home=${JAVA_HOME%/}
  elif java_bin=$(command -v java) && java_bin=$(readlink -f "$java_bin") &&
    _jdk_home_major "${java_bin%/bin/java}" >/dev/null; then
    home=${java_bin%/bin/java}
  elif ! home=$(_jdk_newest_installed); then
    if _jdk_apt_install; then home=$(_jdk_newest_installed) || home=""; fi
  fi
  if [[ -z $home ]]; then
    echo "jdk.sh: ERROR: no JDK >= $REYNA_MIN_JDK found (checked \$JAVA_HOME, java on PATH," \
      "/usr/lib/jvm/*) and none could be installed with apt." >&2
    echo "jdk.sh: install a JDK $REYNA_MIN_JDK or newer (Debian's openjdk-21-jdk-headless or" \
      "openjdk-25-jdk-headless where the release has it, else Eclipse Temurin 21 or 25 under" \
      "/usr/lib/jvm), or set JAVA_HOME to one." >&2
    return 1
  fi
  export JAVA_HOME=$home
  export PATH="$JAVA_HOME/bin:$PATH"
}
