# A clan module in a file: `config` written out, an import of its own.
{ self, ... }:
{
  imports = [ ./special-args.nix ];
  config.machines.beta = ./beta.nix;
}
