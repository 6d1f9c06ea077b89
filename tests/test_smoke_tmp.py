def test_login_and_dashboard(client, login_as):
    login_as("co_chair")
    r = client.get("/")
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    print(r.get_data(as_text=True)[:200])
