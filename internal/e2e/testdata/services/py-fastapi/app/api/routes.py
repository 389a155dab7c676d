"""The API's routes: items kept in memory, and a health check."""

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

router = APIRouter()


class Item(BaseModel):
    title: str
    description: str | None = None


_items: dict[int, Item] = {}


@router.get("/utils/health-check")
def health_check() -> bool:
    return True


@router.get("/items")
def list_items() -> dict[int, Item]:
    return _items


@router.post("/items", status_code=201)
def create_item(item: Item) -> dict:
    item_id = len(_items) + 1
    _items[item_id] = item
    return {"id": item_id, **item.dict()}


@router.get("/items/{item_id}")
def read_item(item_id: int) -> Item:
    if item_id not in _items:
        raise HTTPException(status_code=404, detail="Item not found")
    return _items[item_id]
