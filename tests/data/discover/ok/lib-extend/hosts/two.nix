{ ... }:
{
  imports = [ ../services ];
}
