# The slice of NixOS that atelier's modules and generated modules touch,
# declared for module-system tests that run without nixpkgs (CI has only
# nixpkgs' lib). Written from the NixOS option documentation; each type is at
# least as strict as NixOS's, so a module accepted here is not rejected by
# NixOS for a type reason covered here. Options not declared here do not exist
# (`_module.check = true`), so a typo fails as it would on NixOS.
#
# Stricter than NixOS on purpose: `assertions` entries must be
# { assertion : bool; message : str; } (NixOS: listOf unspecified).
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) mkOption types;

  # nixos/lib/systemd-lib.nix: unit names in dependency lists
  unitNameType = types.strMatching "[a-zA-Z0-9@%:_.\\-]+[.](service|socket|device|mount|automount|swap|target|path|timer|scope|slice)";

  # nixos/lib/systemd-unit-options.nix: a unit option value is a primitive or
  # a list of primitives; lists concatenate, anything else must agree.
  primitive = types.oneOf [
    types.bool
    types.int
    types.str
    types.path
  ];
  unitOption = types.either primitive (types.listOf primitive);

  serviceTypes = [
    "simple"
    "exec"
    "forking"
    "oneshot"
    "dbus"
    "notify"
    "notify-reload"
    "idle"
  ];
  restartValues = [
    "no"
    "on-success"
    "on-failure"
    "on-abnormal"
    "on-abort"
    "always"
  ];
  # NixOS's checkService: Type and Restart must be values systemd knows.
  checkService =
    sc:
    (!(sc ? Type) || lib.elem sc.Type serviceTypes) && (!(sc ? Restart) || lib.elem sc.Restart restartValues);
  serviceConfigType = types.addCheck (types.attrsOf unitOption) checkService // {
    description = "attribute set of systemd options (Type and Restart checked)";
  };

  commonUnitOptions = {
    enable = mkOption {
      type = types.bool;
      default = true;
    };
    description = mkOption {
      type = types.singleLineStr;
      default = "";
    };
    documentation = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    wantedBy = mkOption {
      type = types.listOf unitNameType;
      default = [ ];
    };
    requiredBy = mkOption {
      type = types.listOf unitNameType;
      default = [ ];
    };
    after = mkOption {
      type = types.listOf unitNameType;
      default = [ ];
    };
    before = mkOption {
      type = types.listOf unitNameType;
      default = [ ];
    };
    wants = mkOption {
      type = types.listOf unitNameType;
      default = [ ];
    };
    requires = mkOption {
      type = types.listOf unitNameType;
      default = [ ];
    };
    bindsTo = mkOption {
      type = types.listOf unitNameType;
      default = [ ];
    };
    partOf = mkOption {
      type = types.listOf unitNameType;
      default = [ ];
    };
    conflicts = mkOption {
      type = types.listOf unitNameType;
      default = [ ];
    };
    onFailure = mkOption {
      type = types.listOf unitNameType;
      default = [ ];
    };
    onSuccess = mkOption {
      type = types.listOf unitNameType;
      default = [ ];
    };
    unitConfig = mkOption {
      type = types.attrsOf unitOption;
      default = { };
    };
    restartTriggers = mkOption {
      type = types.listOf types.unspecified;
      default = [ ];
    };
  };

  service = types.submodule {
    options = commonUnitOptions // {
      serviceConfig = mkOption {
        type = serviceConfigType;
        default = { };
      };
      environment = mkOption {
        type = types.attrsOf (
          types.nullOr (
            types.oneOf [
              types.str
              types.path
              types.package
            ]
          )
        );
        default = { };
      };
      path = mkOption {
        type = types.listOf (types.oneOf [
          types.package
          types.str
        ]);
        default = [ ];
      };
      script = mkOption {
        type = types.lines;
        default = "";
      };
      preStart = mkOption {
        type = types.lines;
        default = "";
      };
      postStart = mkOption {
        type = types.lines;
        default = "";
      };
      postStop = mkOption {
        type = types.lines;
        default = "";
      };
      restartIfChanged = mkOption {
        type = types.bool;
        default = true;
      };
      reloadIfChanged = mkOption {
        type = types.bool;
        default = false;
      };
      stopIfChanged = mkOption {
        type = types.bool;
        default = true;
      };
      startAt = mkOption {
        type = types.either types.str (types.listOf types.str);
        default = [ ];
      };
      startLimitIntervalSec = mkOption {
        type = types.nullOr types.int;
        default = null;
      };
    };
  };

  timer = types.submodule {
    options = commonUnitOptions // {
      timerConfig = mkOption {
        type = types.attrsOf unitOption;
        default = { };
      };
    };
  };

  etcEntry = types.submodule (
    { name, config, ... }:
    {
      options = {
        enable = mkOption {
          type = types.bool;
          default = true;
        };
        target = mkOption {
          type = types.str;
          default = name;
        };
        text = mkOption {
          type = types.nullOr types.lines;
          default = null;
        };
        source = mkOption {
          type = types.path;
        };
        mode = mkOption {
          type = types.str;
          default = "symlink";
        };
        user = mkOption {
          type = types.str;
          default = "+0";
        };
        group = mkOption {
          type = types.str;
          default = "+0";
        };
      };
      config.source = lib.mkIf (config.text != null) (
        lib.mkDefault (pkgs.writeText ("etc-" + baseNameOf name) config.text)
      );
    }
  );

  userEntry = types.submodule (
    { name, config, ... }:
    {
      options = {
        name = mkOption {
          type = types.passwdEntry types.str;
          default = name;
        };
        uid = mkOption {
          type = types.nullOr types.int;
          default = null;
        };
        isSystemUser = mkOption {
          type = types.bool;
          default = false;
        };
        isNormalUser = mkOption {
          type = types.bool;
          default = false;
        };
        group = mkOption {
          type = types.str;
          default = "";
        };
        extraGroups = mkOption {
          type = types.listOf types.str;
          default = [ ];
        };
        description = mkOption {
          type = types.passwdEntry types.str;
          default = "";
        };
        home = mkOption {
          type = types.passwdEntry types.path;
          default = "/var/empty";
        };
        createHome = mkOption {
          type = types.bool;
          default = false;
        };
        shell = mkOption {
          type = types.nullOr (types.either types.shellPackage (types.passwdEntry types.path));
          default = null;
        };
      };
    }
  );

  groupEntry = types.submodule (
    { name, ... }:
    {
      options = {
        name = mkOption {
          type = types.passwdEntry types.str;
          default = name;
        };
        gid = mkOption {
          type = types.nullOr types.int;
          default = null;
        };
        members = mkOption {
          type = types.listOf (types.passwdEntry types.str);
          default = [ ];
        };
      };
    }
  );
in
{
  options = {
    assertions = mkOption {
      type = types.listOf (
        types.submodule {
          options = {
            assertion = mkOption { type = types.bool; };
            message = mkOption { type = types.str; };
          };
        }
      );
      default = [ ];
      internal = true;
    };
    warnings = mkOption {
      type = types.listOf types.str;
      default = [ ];
      internal = true;
    };

    systemd = {
      package = mkOption {
        type = types.package;
        default = pkgs.systemd;
      };
      services = mkOption {
        type = types.attrsOf service;
        default = { };
      };
      timers = mkOption {
        type = types.attrsOf timer;
        default = { };
      };
      tmpfiles.rules = mkOption {
        type = types.listOf types.str;
        default = [ ];
      };
    };

    environment = {
      etc = mkOption {
        type = types.attrsOf etcEntry;
        default = { };
      };
      systemPackages = mkOption {
        type = types.listOf types.package;
        default = [ ];
      };
    };

    users = {
      users = mkOption {
        type = types.attrsOf userEntry;
        default = { };
      };
      groups = mkOption {
        type = types.attrsOf groupEntry;
        default = { };
      };
    };

    services.postgresql = {
      enable = lib.mkEnableOption "PostgreSQL";
      package = mkOption {
        type = types.package;
        default = pkgs.postgresql;
      };
      ensureDatabases = mkOption {
        type = types.listOf types.str;
        default = [ ];
      };
    };

    networking.hostName = mkOption {
      type = types.strMatching "^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$";
      default = "nixos";
    };
  };

  config.assertions = lib.concatLists (
    lib.mapAttrsToList (name: user: [
      {
        assertion = user.group != "";
        message = "users.users.${name}.group is unset (NixOS requires a primary group).";
      }
      {
        assertion = user.isNormalUser != user.isSystemUser;
        message = "users.users.${name}: exactly one of isSystemUser and isNormalUser must be set.";
      }
    ]) config.users.users
  )
  # NixOS warns; a backup unit that restarts itself is a bug, so here it fails
  ++ lib.mapAttrsToList (name: s: {
    assertion =
      !(
        (s.serviceConfig.Type or "") == "oneshot"
        && lib.elem (s.serviceConfig.Restart or "no") [
          "always"
          "on-success"
        ]
      );
    message = "Service '${name}.service' with 'Type=oneshot' cannot have 'Restart=always' or 'Restart=on-success'";
  }) config.systemd.services
  # NixOS warns about this ordering without a dependency; fail here
  ++ lib.mapAttrsToList (name: s: {
    assertion =
      !(lib.elem "network-online.target" s.after)
      || lib.elem "network-online.target" (s.wants ++ s.requires ++ s.bindsTo);
    message = "${name}.service is ordered after 'network-online.target' but doesn't depend on it";
  }) config.systemd.services;
}
