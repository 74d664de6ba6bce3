"""API pagination: Ninja's page-number pagination with bounds, so that an absurd page number is a
422 naming the field rather than an integer overflow in the database. Deep pages are for exports
(streamed), not for paging a list 100,000 pages deep."""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200


class Pagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)  # noqa: UP045 - Ninja schema
