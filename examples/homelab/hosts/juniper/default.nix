# juniper: a small ARM box with the git forge and a notes app.
{ ... }:
{
  imports = [
    ../../services/forge.nix
    ../../services/notes.nix
  ];

  networking.hostName = "juniper";

  atelier.services.forge = {
    enable = true;
    # The repositories live on the big disk here.
    dataDir = "/srv/forge";
    user = "git";
  };
  atelier.services.notes.enable = true;
}
