# Not a `*.svc.nix` file: initFilter leaves it out.
{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "notes";
      extraConfig = cfg: { atelier.services.notes.data.sqlite = "/var/lib/notes/notes.db"; };
    })
  ];
  atelier.services.notes.enable = true;
}
