from django.urls import path

from .views import console as c
from .views import h5 as h
from .views import merchant as m

app_name = "tourism"

urlpatterns = [
    # worker H5
    path("", h.home, name="home"),
    path("p/<int:product_id>/", h.product, name="product"),
    path("p/<int:product_id>/book/", h.book, name="book"),
    path("s/<int:session_id>/seats/", h.seats, name="seats"),
    path("orders/<int:order_id>/", h.order, name="order"),
    path("orders/<int:order_id>/pay/", h.order_pay, name="order_pay"),
    path("orders/<int:order_id>/cancel/", h.order_cancel, name="order_cancel"),
    path("orders/<int:order_id>/refund/", h.order_refund, name="order_refund"),
    path("pay/sim/<str:ref>/", h.sim_pay, name="sim_pay"),
    path("mine/", h.my_tickets, name="my_tickets"),
    path("mine/tickets/<int:ticket_id>/", h.group_ticket, name="group_ticket"),
    path("pass/", h.my_pass, name="my_pass"),
    path("pass/qr/", h.my_pass_qr, name="my_pass_qr"),
    path("apply/", h.merchant_apply, name="apply"),
    # merchant workbench
    path("merchant/", m.m_home, name="m_home"),
    path("merchant/<int:merchant_id>/products/", m.m_products, name="m_products"),
    path("merchant/<int:merchant_id>/products/<int:product_id>/", m.m_product, name="m_product"),
    path(
        "merchant/<int:merchant_id>/products/<int:product_id>/pictures/",
        m.m_picture_add,
        name="m_picture_add",
    ),
    path(
        "merchant/<int:merchant_id>/products/<int:product_id>/pictures/<int:picture_id>/remove/",
        m.m_picture_remove,
        name="m_picture_remove",
    ),
    path(
        "merchant/<int:merchant_id>/products/<int:product_id>/sessions/",
        m.m_session_add,
        name="m_session_add",
    ),
    path("merchant/<int:merchant_id>/orders/", m.m_orders, name="m_orders"),
    path("merchant/<int:merchant_id>/orders/<int:order_id>/venue/", m.m_order_venue, name="m_order_venue"),
    path("merchant/<int:merchant_id>/scan/", m.m_scan, name="m_scan"),
    path("merchant/<int:merchant_id>/statements/", m.m_statements, name="m_statements"),
    path("merchant/<int:merchant_id>/staff/", m.m_staff, name="m_staff"),
    path("merchant/<int:merchant_id>/staff/<int:staff_id>/role/", m.m_staff_role, name="m_staff_role"),
    path(
        "merchant/<int:merchant_id>/staff/<int:staff_id>/deactivate/",
        m.m_staff_deactivate,
        name="m_staff_deactivate",
    ),
    path("merchant/<int:merchant_id>/pass-spots/", m.m_pass_spots, name="m_pass_spots"),
    path("merchant/<int:merchant_id>/pass-spots/<int:spot_id>/", m.m_pass_spot, name="m_pass_spot"),
    path(
        "merchant/<int:merchant_id>/pass-spots/<int:spot_id>/active/",
        m.m_pass_spot_active,
        name="m_pass_spot_active",
    ),
    path(
        "merchant/<int:merchant_id>/statements/<int:statement_id>.<str:fmt>",
        m.m_statement_export,
        name="m_statement_export",
    ),
    # platform staff
    path("console/merchants/", c.p_merchants, name="p_merchants"),
    path("console/merchants/<int:merchant_id>/review/", c.p_merchant_review, name="p_merchant_review"),
    path("console/products/", c.p_products, name="p_products"),
    path("console/products/<int:product_id>/review/", c.p_product_review, name="p_product_review"),
    path("console/settlement/", c.p_settlement, name="p_settlement"),
    path("console/settlement/statements/", c.p_statement_build, name="p_statement_build"),
    path("console/settlement/<int:statement_id>/payout/", c.p_payout, name="p_payout"),
    path("console/settlement/<int:statement_id>.<str:fmt>", c.p_statement_export, name="p_statement_export"),
    path("console/reconciliation.<str:fmt>", c.p_reconciliation_export, name="p_reconciliation_export"),
    path("console/pass-spots/", c.p_pass_spots, name="p_pass_spots"),
    path("console/pass-spots/<int:spot_id>/review/", c.p_pass_spot_review, name="p_pass_spot_review"),
    # union staff
    path("console/groups/", c.u_groups, name="u_groups"),
    path("console/groups/<int:group_id>/decide/", c.u_group_decide, name="u_group_decide"),
    path("console/passes/", c.u_passes, name="u_passes"),
    path("console/passes/<int:batch_id>/decide/", c.u_pass_decide, name="u_pass_decide"),
]
