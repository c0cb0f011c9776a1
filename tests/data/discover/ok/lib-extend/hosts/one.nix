{ settings, ... }:
{
  imports = [ ../services ];
  atelier.services.pastebin.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = settings.repo;
      passwordFile = settings.password;
    };
  };
}
