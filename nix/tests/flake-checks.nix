# checks.<system>.modules: the module-system tests of tests/nix_modules.rs, but
# under the real NixOS module set (nixosSystem) instead of nix/tests/harness.nix.
# Everything is decided at evaluation time; the derivation only records the
# evaluated manifest. A failed expectation aborts `nix flake check` with the
# list of what went wrong.
{
  lib,
  pkgs,
  system,
  nixosSystem,
  atelier,
}:

let
  fixtures = [
    ./fixtures/services.nix
    ./fixtures/host.nix
    ./fixtures/generated/testhost.nix
  ];

  # a container needs no boot loader or file systems, so only atelier's
  # assertions (and NixOS's on what atelier defines) can fail
  base = {
    boot.isContainer = true;
    system.stateVersion = "26.05";
  };

  evalWith =
    extra:
    nixosSystem {
      inherit system;
      specialArgs = { inherit atelier; };
      modules = [
        atelier.nixosModules.default
        base
      ]
      ++ fixtures
      ++ extra;
    };

  failedAssertions = e: map (a: a.message) (lib.filter (a: !a.assertion) e.config.assertions);

  expectAssertion =
    name: extra: needle:
    let
      messages = failedAssertions (evalWith extra);
    in
    lib.optional (!lib.any (lib.hasInfix needle) messages) "${name}: expected a failed assertion containing \"${needle}\", got ${builtins.toJSON messages}";

  # a type error is a `throw` of the module system, which tryEval catches
  expectEvalError =
    name: extra:
    lib.optional (builtins.tryEval (builtins.deepSeq (evalWith extra).config.atelier true)).success "${name}: expected an evaluation error, but it evaluated";

  ok = evalWith [ ];
  units = ok.config.systemd.units;
  manifestText = ok.config.environment.etc."atelier/backup-manifest.json".text;
  manifest = builtins.fromJSON (builtins.unsafeDiscardStringContext manifestText);

  problems =
    map (m: "fixture host: unexpected failed assertion: ${m}") (failedAssertions ok)
    ++ lib.concatMap (
      unit: lib.optional (!(units ? ${unit})) "fixture host: unit ${unit} missing"
    ) [
      "restic-backups-notes.service"
      "restic-backups-notes.timer"
      "restic-backups-wiki.service"
      "restic-backups-wiki.timer"
      "restic-backups-legacy.service"
      "restic-backups-legacy.timer"
      "atelier-prune-default.service"
      "atelier-check-default.service"
      "atelier-drill.timer"
      "notes.service"
    ]
    ++ lib.optional (
      !(lib.hasInfix "Persistent=true" units."restic-backups-notes.timer".text)
    ) "restic-backups-notes.timer lacks Persistent=true"
    ++ lib.optional (
      manifest.services.notes.sqlite != [ "/var/lib/notes/notes.db" ]
    ) "manifest: notes.sqlite is ${builtins.toJSON manifest.services.notes.sqlite}"
    ++ lib.optional (
      !(lib.elem ok.config.atelier.backup.package ok.config.environment.systemPackages)
    ) "atelier-backup is not installed system-wide"
    ++ expectAssertion "stale generated module" [
      { atelier.services.notes.data.sqlite = lib.mkForce "/var/lib/notes/other.db"; }
    ] "generated module for host testhost is stale or missing: run `atelier-gen generate`"
    ++ expectAssertion "missing repository" [
      { atelier.backup.repositories = lib.mkForce { }; }
    ] "no repository is configured"
    ++ expectAssertion "store-path password" [
      {
        atelier.backup.repositories.default.passwordFile = lib.mkForce "/nix/store/0000000000000000000000000000000-pw";
      }
    ] "is inside the Nix store"
    ++ expectEvalError "data.sqlite = 5" [ { atelier.services.notes.data.sqlite = lib.mkForce 5; } ]
    ++ expectEvalError "unknown key in data" [ { atelier.services.notes.data.sqlit = "/x.db"; } ];
in
if problems != [ ] then
  throw "atelier module checks failed:\n${lib.concatMapStringsSep "\n" (p: "- ${p}") problems}"
else
  # forcing the toplevel's drvPath evaluates the whole system as nixos-rebuild does
  builtins.seq ok.config.system.build.toplevel.drvPath (
    pkgs.writeText "atelier-module-checks-manifest.json" manifestText
  )
