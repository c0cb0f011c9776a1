# lib.mkService: a NixOS module factory for a service whose data atelier backs up.
#
#   mkService {
#     name = "myapp";
#     description = "My app";                     # optional
#     extraOptions = { port = lib.mkOption { ... }; };   # more atelier.services.myapp.* options
#     command = { cfg, pkgs, ... }: "${pkgs.myapp}/bin/myapp --data ${cfg.dataDir}";  # optional: own unit
#     extraConfig = cfg: {
#       atelier.services.myapp.data.sqlite = "${cfg.dataDir}/app.db";
#     };
#   }
#
# The module declares atelier.services.<name> = { enable; dataDir; user; group;
# data; } // extraOptions and, when the host enables it, creates the user, the
# group and dataDir, the unit from `command`, and merges `extraConfig cfg`.
# Nothing here assumes a web server, a language runtime or a package: those
# belong in extraConfig.
#
# `command` and `extraConfig` are values or functions. A function of `cfg`
# (`cfg: {...}`, the form atelier-gen reads) gets the service's options; one
# with a set pattern (`{ cfg, pkgs, ... }: ...`) gets `cfg`, `pkgs`, `lib` and
# `config` (mkService is called outside any module, where `pkgs` is not in
# scope).
{
  name,
  description ? "the ${name} service",
  extraOptions ? { },
  extraConfig ? (cfg: { }),
  command ? null,
}:

assert builtins.isString name && builtins.match "[a-zA-Z_][a-zA-Z0-9_-]*" name != null
  || throw "lib.mkService: name = ${builtins.toJSON name} must be a short identifier ([a-zA-Z_][a-zA-Z0-9_-]*): it becomes a user, a group, a directory and unit names.";

{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) mkOption types;
  atelierTypes = import ./types.nix { inherit lib; };
  cfg = config.atelier.services.${name};
  resolve =
    f:
    if !builtins.isFunction f then
      f
    else if lib.functionArgs f != { } then
      f {
        inherit
          cfg
          config
          lib
          pkgs
          ;
      }
    else
      f cfg;
  commandLine = resolve command;
in
{
  # Error messages about definitions in this module name the service.
  _file = "${toString ./mkService.nix} (mkService \"${name}\")";

  options.atelier.services.${name} = {
    enable = lib.mkEnableOption description;

    dataDir = mkOption {
      type = atelierTypes.absolutePath;
      default = "/var/lib/${name}";
      description = "Directory holding ${name}'s state; created (owned by `user`/`group`) when the service is enabled.";
    };

    user = mkOption {
      type = types.str;
      default = name;
      description = "User ${name} runs as. The default user is created as a system user; a different one must exist already.";
    };

    group = mkOption {
      type = types.str;
      default = name;
      description = "Group of ${name}'s user and data. The default group is created.";
    };

    data = mkOption {
      type = atelierTypes.data;
      default = { };
      description = "Where ${name}'s data lives and how it is backed up and restored (read by atelier-gen and by the atelier modules).";
      example = lib.literalExpression ''
        {
          sqlite = "/var/lib/${name}/data/app.db";
          files = [ "/var/lib/${name}/uploads" ];
          exclude = [ "*.log" ];
        }
      '';
    };
  }
  // extraOptions;

  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      {
        users.users = lib.mkIf (cfg.user == name) {
          ${name} = {
            isSystemUser = true;
            inherit (cfg) group;
            home = cfg.dataDir;
            description = "${name} service user";
          };
        };
        users.groups = lib.mkIf (cfg.group == name) { ${name} = { }; };
        systemd.tmpfiles.rules = [ "d '${cfg.dataDir}' 0750 ${cfg.user} ${cfg.group} - -" ];
      }
      (lib.mkIf (command != null) {
        systemd.services.${name} = {
          description = lib.mkDefault description;
          wantedBy = [ "multi-user.target" ];
          after = [ "network.target" ];
          serviceConfig = {
            ExecStart = commandLine;
            User = cfg.user;
            Group = cfg.group;
            WorkingDirectory = cfg.dataDir;
            Restart = "on-failure";
          };
        };
      })
      (resolve extraConfig)
    ]
  );
}
