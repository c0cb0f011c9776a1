{ atelier, lib, config, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "chat";
      extraConfig = cfg: {
        atelier.services.chat.data.sqlite =
          "${config.site.apps.chat.dir}/${lib.strings.concatImapStringsSep "-" (i: s: "${toString i}${s}") [ "a" "b" ]}.db";
      };
    })
  ];
  options.site.apps = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule ({ lib, name, ... }: {
      options.dir = lib.mkOption { type = lib.types.str; };
      config.dir = "${lib.site.root}/${name}-${lib.strings.getVersion "chat-2.1"}";
    }));
    default = { };
  };
  config = {
    site.apps.chat = { };
    atelier.services.chat.enable = true;
    atelier.backup = {
      enable = true;
      repositories.default = {
        repository = "/srv/restic";
        passwordFile = "/run/keys/restic";
      };
    };
  };
}
