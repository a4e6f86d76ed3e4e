extra_urlpatterns = []


def register(router):
    pass
