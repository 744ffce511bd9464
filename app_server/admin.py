def setup_admin(app):
    pass
