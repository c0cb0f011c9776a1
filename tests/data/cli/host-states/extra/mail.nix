{ services.postfix.enable = true; }
