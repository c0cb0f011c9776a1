# atelier-gen and atelier-backup, built from this repository with the
# committed Cargo.lock.
{
  lib,
  stdenv,
  rustPlatform,
  makeWrapper,
  installShellFiles,
  restic,
  sqlite,
  postgresql,
  util-linux,
}:

let
  cargoToml = lib.importTOML ../Cargo.toml;
  fs = lib.fileset;
  # What the build reads; anything else (tests, docs, nix/) changing does not
  # rebuild the package.
  src = fs.toSource {
    root = ../.;
    fileset = fs.unions [
      ../Cargo.toml
      ../Cargo.lock
      ../src
      (fs.maybeMissing ../templates)
      (fs.maybeMissing ../build.rs)
    ];
  };
  # atelier-backup shells out to these at run time (DESIGN.md §4.2, §5):
  # restic for everything, sqlite3 for checks, pg_dump/pg_restore/psql for
  # PostgreSQL, runuser/findmnt from util-linux.
  runtimePath = lib.makeBinPath [
    restic
    sqlite
    postgresql
    util-linux
  ];
  canRunBinaries = stdenv.buildPlatform.canExecute stdenv.hostPlatform;
in
rustPlatform.buildRustPackage {
  pname = "atelier";
  inherit (cargoToml.package) version;
  inherit src;

  cargoLock.lockFile = ../Cargo.lock;

  nativeBuildInputs = [
    makeWrapper
    installShellFiles
  ];

  # The test suite needs throwaway PostgreSQL clusters, restic repositories
  # and a REST server; it runs in CI (scripts/test.sh) and the VM test
  # (checks.<system>.vm) exercises the installed binaries.
  doCheck = false;

  # Man pages and completions come from the binaries' own clap definitions.
  # `atelier-gen` gets them only when it has the same subcommands.
  postInstall =
    lib.optionalString canRunBinaries ''
      for bin in atelier-backup atelier-gen; do
        if "$out/bin/$bin" man > "$bin.1" 2>/dev/null && [ -s "$bin.1" ]; then
          installManPage "$bin.1"
        fi
        for shell in bash zsh fish; do
          if "$out/bin/$bin" completions "$shell" > "$bin.$shell" 2>/dev/null && [ -s "$bin.$shell" ]; then
            installShellCompletion --cmd "$bin" "--$shell" "$bin.$shell"
          fi
        done
      done
      # atelier-backup's are part of its command surface (DESIGN.md §5): fail loudly if they vanish
      test -s "$out/share/man/man1/atelier-backup.1.gz" -o -s "$out/share/man/man1/atelier-backup.1"
      test -s "$out/share/bash-completion/completions/atelier-backup.bash" -o -s "$out/share/bash-completion/completions/atelier-backup"
    ''
    + ''
      wrapProgram "$out/bin/atelier-backup" --prefix PATH : ${lib.escapeShellArg runtimePath}
    '';

  meta = {
    description = cargoToml.package.description;
    license = lib.licenses.mit;
    mainProgram = "atelier-backup";
    platforms = lib.platforms.linux;
  };
}
