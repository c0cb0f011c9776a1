# A stand-in for `pkgs` for module-system tests: enough to EVALUATE modules,
# never to build anything. Packages are real `builtins.derivation`s (so
# `types.package`, string context and `lib.makeBinPath` behave as with
# nixpkgs) whose builder fails if anyone tries to realise them.
{ lib }:

let
  system = "x86_64-linux";

  mkDrv =
    {
      name,
      passthru ? { },
      ...
    }@attrs:
    derivation (
      removeAttrs attrs [ "passthru" ]
      // {
        inherit system;
        builder = "/bin/sh";
        args = [
          "-c"
          "echo 'atelier test stub: not buildable' >&2; exit 1"
        ];
      }
    )
    // passthru;

  mkPkg =
    pname: version:
    mkDrv {
      name = "${pname}-${version}";
      passthru = {
        inherit pname version;
        meta.mainProgram = pname;
      };
    };

  writeTextFile =
    {
      name,
      text,
      executable ? false,
      destination ? "",
    }:
    mkDrv {
      inherit name text destination;
      executable = if executable then "1" else "";
    };

  pkgs = {
    inherit system;
    stdenv.hostPlatform.system = system;
    atelier = mkPkg "atelier" "0.1.0";
    restic = mkPkg "restic" "0.18.1";
    sqlite = mkPkg "sqlite" "3.50.4";
    postgresql = mkPkg "postgresql" "17.6";
    util-linux = mkPkg "util-linux" "2.41";
    coreutils = mkPkg "coreutils" "9.7";
    bash = mkPkg "bash" "5.3";
    systemd = mkPkg "systemd" "258";
    shadow = mkPkg "shadow" "4.18";
    curl = mkPkg "curl" "8.15.0";
    jq = mkPkg "jq" "1.8.1";
    # packages examples/homelab's services run
    openldap = mkPkg "openldap" "2.6.10";
    outline = mkPkg "outline" "0.87.3";
    photoprism = mkPkg "photoprism" "250707";
    inherit writeTextFile;
    writeText = name: text: writeTextFile { inherit name text; };
    writeShellScript =
      name: text:
      writeTextFile {
        inherit name;
        executable = true;
        text = "#!/bin/sh\n${text}";
      };
  };
in
pkgs
