"""The SQL and rules behind the routers, one module per area (the routes stay thin).

The larger commerce rules (checkout, webhook orders, refunds, commissions, feed) are
:class:`studio.backend.service.CommerceService`; the promotion rules are
:mod:`~studio.backend.promos`, :mod:`~studio.backend.flash`,
:mod:`~studio.backend.groupbuys` and :mod:`~studio.backend.lotteries`.
"""
